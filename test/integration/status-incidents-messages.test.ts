import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceMessages, ServiceStatusReport } from '../../protocol/status.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// /status keeps the last incidents (recorded by the servers' watch when a part
// goes down and comes back: component, start, end, duration) and shows the operator's
// messages, which also reach the school's open pages at once. Redis is a private one
// this file kills.
let redis: PrivateRedis;
let app: TestApp;
let a: SeededSchool;
let b: SeededSchool;
let operator: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  app = await startTestApp({ REDIS_URL: redis.url, CIRCUIT_OPEN_MS: '300' });
  a = await seedSmallSchool(app, { code: 'MSGA', name: 'Hillside School' });
  b = await seedSmallSchool(app, { code: 'MSGB', name: 'Riverside School' });
  const auth = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}x`, 10, 60),
  );
  await auth.create(
    { email: 'ops-msg@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  operator = (
    await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops-msg@example.org', password: 'a long operator passphrase' },
    })
  ).body.token;
}, 60_000);

afterAll(async () => {
  await app?.close();
  redis?.destroy();
});

async function report() {
  const res = await app.api('GET', '/api/v1/status');
  expect(res.status).toBe(200);
  return ServiceStatusReport.parse(res.body);
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('incidents on the status page', () => {
  it('records Redis going down and coming back, with start, end and duration, and nothing else', async () => {
    const before = (await report()).incidents.filter((i) => i.component === 'redis');
    expect(before).toEqual([]);
    redis.kill();
    const killed = Date.now();
    const open = await until(report, (r) => r.incidents.some((i) => i.component === 'redis'));
    const started = open.incidents.find((i) => i.component === 'redis')!;
    expect(started.endedAt).toBeNull();
    expect(Math.abs(Date.parse(started.startedAt) - killed)).toBeLessThan(15_000);
    const html = await (await fetch(`${app.url}/status`)).text();
    expect(html).toMatch(/<th scope="row">Redis<\/th>.*Not back yet/);

    await redis.restart();
    const closed = await until(report, (r) =>
      r.incidents.some((i) => i.component === 'redis' && i.endedAt !== null),
    );
    const inc = closed.incidents.find((i) => i.component === 'redis')!;
    expect(Date.parse(inc.endedAt!)).toBeGreaterThanOrEqual(Date.parse(inc.startedAt));
    expect(inc.durationSeconds).toBe(
      Math.floor((Date.parse(inc.endedAt!) - Date.parse(inc.startedAt)) / 1000),
    );
    // One row for the outage, closed: several looks while down did not open more.
    const { rows } = await app.db.query(
      "SELECT component, started_at, ended_at FROM service_incidents WHERE component = 'redis'",
    );
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual(['component', 'ended_at', 'started_at']);
  }, 90_000);
});

describe('the operator’s messages', () => {
  it('only an operator posts, edits or ends; bad input 400, unknown school 404, nothing stored', async () => {
    const admin = await loginStaff(app, a.admin.email, a.admin.password);
    expect((await app.api('POST', '/api/v1/operator/messages', { body: { body: 'x' } })).status).toBe(401);
    expect(
      (await app.api('POST', '/api/v1/operator/messages', { token: admin, body: { body: 'x' } })).status,
    ).toBe(403);
    expect(
      (await app.api('POST', '/api/v1/operator/messages', { token: operator, body: { body: '  ' } })).status,
    ).toBe(400);
    expect(
      (
        await app.api('POST', '/api/v1/operator/messages', {
          token: operator,
          body: { body: 'Hi', schoolId: '00000000-0000-4000-8000-000000000000' },
        })
      ).status,
    ).toBe(404);
    const { rows } = await app.db.query('SELECT count(*)::int AS n FROM service_messages');
    expect(rows[0]!.n).toBe(0);
  });

  it('a message for one school is on /status and reaches that school’s open pages, edited and ended live', async () => {
    const familyA = await app.socket(await loginFamily(app, a, 0));
    const teacherB = await app.socket(await loginStaff(app, b.teachers[0]!.email));
    const heardA: ServiceMessages[] = [];
    const heardB: ServiceMessages[] = [];
    familyA.on('service:messages', (m: ServiceMessages) => heardA.push(m));
    teacherB.on('service:messages', (m: ServiceMessages) => heardB.push(m));

    const posted = await app.api('POST', '/api/v1/operator/messages', {
      token: operator,
      body: { body: 'Booking for Hillside opens at 19:30 instead <b>.', schoolId: a.schoolId },
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ schoolId: a.schoolId, schoolName: 'Hillside School', endedAt: null });
    await until(
      async () => heardA.length,
      (n) => n > 0,
      5000,
    );
    expect(heardA.at(-1)!.messages.map((m) => m.id)).toEqual([posted.body.id]);
    // Every screen hears the list (it is public); each page keeps its school's.
    expect(heardB.at(-1)!.messages[0]!.schoolId).toBe(a.schoolId);

    const html = await (await fetch(`${app.url}/status`)).text();
    expect(html).toContain(
      'For Hillside School:</strong> Booking for Hillside opens at 19:30 instead &lt;b&gt;.',
    );
    expect((await report()).messages.map((m) => m.id)).toEqual([posted.body.id]);
    expect((await app.api('GET', '/api/v1/service-messages')).body.messages).toHaveLength(1);

    const edited = await app.api('PUT', `/api/v1/operator/messages/${posted.body.id}`, {
      token: operator,
      body: { body: 'Booking for Hillside opens at 19:45.' },
    });
    expect(edited.status).toBe(200);
    await until(
      async () => heardA.at(-1)!.messages[0]!.body,
      (b) => b === 'Booking for Hillside opens at 19:45.',
      5000,
    );
    expect(Date.parse(edited.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(edited.body.postedAt));

    const ended = await app.api('DELETE', `/api/v1/operator/messages/${posted.body.id}`, { token: operator });
    expect(ended.status).toBe(200);
    expect(ended.body.endedAt).not.toBeNull();
    await until(
      async () => heardA.at(-1)!.messages.length,
      (n) => n === 0,
      5000,
    );
    expect(heardA.at(-1)!.messages).toEqual([]);
    expect((await report()).messages).toEqual([]);
    // Ended is history: not edited nor ended again, still in the operator's list.
    expect(
      (await app.api('DELETE', `/api/v1/operator/messages/${posted.body.id}`, { token: operator })).status,
    ).toBe(404);
    expect(
      (
        await app.api('PUT', `/api/v1/operator/messages/${posted.body.id}`, {
          token: operator,
          body: { body: 'again' },
        })
      ).status,
    ).toBe(404);
    const list = await app.api('GET', '/api/v1/operator/messages', { token: operator });
    expect(list.body.messages.map((m: { id: string }) => m.id)).toEqual([posted.body.id]);
    familyA.close();
    teacherB.close();
  });
});

describe('the operator’s pause of one event', () => {
  it('lists every school’s events, pauses one of another school’s with a message, resumes it', async () => {
    const overview = await app.api('GET', '/api/v1/operator/pause', { token: operator });
    expect(overview.status).toBe(200);
    const ev = overview.body.events.find((e: { eventId: string }) => e.eventId === b.eventId);
    expect(ev).toMatchObject({ schoolName: 'Riverside School', own: null });
    const paused = await app.api('PUT', `/api/v1/operator/events/${b.eventId}/pause`, {
      token: operator,
      body: { message: 'Back at 19:30.' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.effective).toMatchObject({ message: 'Back at 19:30.' });
    // The policy refuses a family of that school (503, the message); the other school books on.
    const hold = async (school: SeededSchool) => {
      const studentId = school.families[1]!.studentIds[0]!;
      const teacherId = school.students.find((x) => x.id === studentId)!.teacherIds[0]!;
      const { rows } = await app.db.query<{ id: string }>(
        'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 AND NOT blocked ORDER BY starts_at OFFSET 3 LIMIT 1',
        [school.eventId, teacherId],
      );
      return app.api('POST', '/api/v1/holds', {
        token: await loginFamily(app, school, 1),
        body: { slotId: rows[0]!.id, studentId },
      });
    };
    const refused = await hold(b);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.body.error.message).toBe('Back at 19:30.');
    expect((await hold(a)).status).toBe(200);
    const again = await app.api('GET', '/api/v1/operator/pause', { token: operator });
    expect(again.body.events.find((e: { eventId: string }) => e.eventId === b.eventId).own).toMatchObject({
      message: 'Back at 19:30.',
    });
    expect(
      (await app.api('DELETE', `/api/v1/operator/events/${b.eventId}/pause`, { token: operator })).status,
    ).toBe(200);
    expect(
      (await app.api('DELETE', `/api/v1/operator/events/${b.eventId}/pause`, { token: operator })).status,
    ).toBe(404);
    const admin = await loginStaff(app, a.admin.email, a.admin.password);
    expect(
      (
        await app.api('PUT', `/api/v1/operator/events/${a.eventId}/pause`, {
          token: admin,
          body: { message: 'x' },
        })
      ).status,
    ).toBe(403);
  });
});
