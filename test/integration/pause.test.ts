import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Pause and resume: while an event is paused, a family's booking writes are
 * refused through the booking policy (migration 024) with 503, Retry-After and the
 * message; staff still book; letting go stays allowed; resuming lets families through.
 */
let app: TestApp;
let s: SeededSchool;
let other: SeededSchool;
let admin: string;
let operator: string;

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  s = await seedSmallSchool(app, {
    code: 'PAUS',
    families: 6,
    teachers: 3,
    teachersPerStudent: 2,
    siblingShare: 0,
  });
  other = await seedSmallSchool(app, {
    code: 'PAUS2',
    families: 2,
    teachers: 2,
    teachersPerStudent: 1,
    siblingShare: 0,
  });
  admin = await loginStaff(app, s.admin.email);
  const ops = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}op`, 100, 60),
  );
  await ops.create(
    { email: 'pause-ops@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  operator = (
    await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'pause-ops@example.org', password: 'a long operator passphrase' },
    })
  ).body.token;
});
afterAll(() => app?.close());

async function freeSlot(school: SeededSchool, teacherId: string, skip = 0): Promise<string> {
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND booking_is_active(b.status, b.expires_at))
      ORDER BY s.starts_at OFFSET $3 LIMIT 1`,
    [school.eventId, teacherId, skip],
  );
  return rows[0]!.id;
}

function child(school: SeededSchool, i: number, teacher = 0) {
  const studentId = school.families[i]!.studentIds[0]!;
  return { studentId, teacherId: school.students.find((x) => x.id === studentId)!.teacherIds[teacher]! };
}

const activeBookings = async (eventId: string) =>
  Number(
    (
      await app.db.query(
        `SELECT count(*) AS n FROM bookings WHERE event_id = $1 AND booking_is_active(status, expires_at)`,
        [eventId],
      )
    ).rows[0].n,
  );

function expectPaused(res: { status: number; body: any; headers: Headers }, message: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.body.error.code).toBe('unavailable');
  expect(res.body.error.message).toBe(message);
  expect(res.headers.get('retry-after')).toBe('60');
}

describe('pausing booking for one event', () => {
  it("refuses a family's hold, confirmation and move with 503 + Retry-After and the message; staff still book; release stays allowed; resume lets the family through", async () => {
    const family = await loginFamily(app, s, 0);
    const c = child(s, 0);
    // Before the pause: a hold to confirm later and a confirmed booking to move later.
    const held = await app.api('POST', '/api/v1/holds', {
      token: family,
      body: { slotId: await freeSlot(s, c.teacherId), studentId: c.studentId },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    const c2 = child(s, 0, 1);
    const toMove = await app.api('POST', '/api/v1/holds', {
      token: family,
      // Well after the first hold: not at the same time, nor within the event's gap.
      body: { slotId: await freeSlot(s, c2.teacherId, 4), studentId: c2.studentId },
    });
    expect(
      (
        await app.api('POST', '/api/v1/holds/confirm', {
          token: family,
          body: { eventId: s.eventId, holdIds: [toMove.body.id] },
        })
      ).status,
    ).toBe(200);

    const message = 'A teacher is stuck in traffic; booking resumes at 19:30.';
    const paused = await app.api('PUT', `/api/v1/admin/events/${s.eventId}/pause`, {
      token: admin,
      body: { message },
    });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.effective).toMatchObject({ message, by: 'school' });
    const before = await activeBookings(s.eventId);

    const other1 = child(s, 1);
    const family1 = await loginFamily(app, s, 1);
    expectPaused(
      await app.api('POST', '/api/v1/holds', {
        token: family1,
        body: { slotId: await freeSlot(s, other1.teacherId), studentId: other1.studentId },
      }),
      message,
    );
    expectPaused(
      await app.api('POST', '/api/v1/holds/confirm', {
        token: family,
        body: { eventId: s.eventId, holdIds: [held.body.id] },
      }),
      message,
    );
    expectPaused(
      await app.api('POST', `/api/v1/bookings/${toMove.body.id}/move`, {
        token: family,
        body: { slotId: await freeSlot(s, c2.teacherId) },
      }),
      message,
    );
    // The socket door is the same door.
    const sock = await app.socket(family1);
    const viaSocket = await ask(sock, 'slot:hold', {
      slotId: await freeSlot(s, other1.teacherId),
      studentId: other1.studentId,
      idempotencyKey: 'pause-socket-hold-1',
    });
    sock.disconnect();
    expect(viaSocket).toMatchObject({ ok: false, error: { code: 'unavailable', message, retryAfter: 60 } });
    expect(await activeBookings(s.eventId)).toBe(before);
    const { rows: confirmedNow } = await app.db.query('SELECT status::text FROM bookings WHERE id = $1', [
      held.body.id,
    ]);
    expect(confirmedNow[0].status).toBe('held');

    // Staff fix the evening: an admin still holds for a family (override 'staff', logged).
    const byStaff = await app.api('POST', '/api/v1/holds', {
      token: admin,
      body: {
        slotId: await freeSlot(s, other1.teacherId),
        studentId: other1.studentId,
        familyId: s.families[1]!.id,
      },
    });
    expect(byStaff.status, JSON.stringify(byStaff.body)).toBe(200);

    // Letting go asks no policy.
    const released = await app.api('DELETE', `/api/v1/holds/${held.body.id}`, { token: family });
    expect(released.status, JSON.stringify(released.body)).toBe(200);

    // Another school's event is not paused.
    const o = child(other, 0);
    const elsewhere = await app.api('POST', '/api/v1/holds', {
      token: await loginFamily(app, other, 0),
      body: { slotId: await freeSlot(other, o.teacherId), studentId: o.studentId },
    });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200);

    const resumed = await app.api('DELETE', `/api/v1/admin/events/${s.eventId}/pause`, { token: admin });
    expect(resumed.status).toBe(200);
    expect(resumed.body.effective).toBeNull();
    const after = await app.api('POST', '/api/v1/holds', {
      token: family,
      body: { slotId: await freeSlot(s, c.teacherId), studentId: c.studentId },
    });
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });

  it("another school's admin cannot pause the event", async () => {
    const theirs = await loginStaff(app, other.admin.email);
    const res = await app.api('PUT', `/api/v1/admin/events/${s.eventId}/pause`, {
      token: theirs,
      body: { message: 'no' },
    });
    expect(res.status).toBe(404);
    const { rows } = await app.db.query('SELECT paused_at FROM events WHERE id = $1', [s.eventId]);
    expect(rows[0].paused_at).toBeNull();
    // Nothing to resume is refused, so the record holds only real changes.
    const resume = await app.api('DELETE', `/api/v1/admin/events/${s.eventId}/pause`, { token: admin });
    expect(resume.status).toBe(404);
  });
});

describe("the operator's pause", () => {
  it('pauses every event of every school at once, the snapshot carries it, and resuming lets families through', async () => {
    const message = 'Maintenance until 19:15.';
    const res = await app.api('PUT', '/api/v1/operator/pause', { token: operator, body: { message } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.paused).toMatchObject({ message, by: 'operator' });
    try {
      for (const school of [s, other]) {
        const c = child(school, 1);
        const token = await loginFamily(app, school, 1);
        expectPaused(
          await app.api('POST', '/api/v1/holds', {
            token,
            body: { slotId: await freeSlot(school, c.teacherId), studentId: c.studentId },
          }),
          message,
        );
        // A page opened later shows it too.
        const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
        expect(snap.status, JSON.stringify(snap.body).slice(0, 300)).toBe(200);
        expect(snap.body.paused).toMatchObject({ message, by: 'operator' });
      }
      // A school token is not the operator's.
      expect((await app.api('DELETE', '/api/v1/operator/pause', { token: admin })).status).toBe(403);
    } finally {
      const resumed = await app.api('DELETE', '/api/v1/operator/pause', { token: operator });
      expect(resumed.status).toBe(200);
      expect(resumed.body.paused).toBeNull();
    }
    const c = child(other, 1);
    const again = await app.api('POST', '/api/v1/holds', {
      token: await loginFamily(app, other, 1),
      body: { slotId: await freeSlot(other, c.teacherId), studentId: c.studentId },
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });
});

describe('screens hear pause and resume', () => {
  it("a family's and an admin's socket joined to the event hear event:paused, then the resume", async () => {
    const family = await app.socket(await loginFamily(app, s, 2));
    const staff = await app.socket(admin);
    const heard: { who: string; payload: any }[] = [];
    family.on('event:paused', (payload) => heard.push({ who: 'family', payload }));
    staff.on('event:paused', (payload) => heard.push({ who: 'admin', payload }));
    for (const sock of [family, staff]) {
      const joined = await ask(sock, 'event:join', { eventId: s.eventId });
      expect(joined.ok).toBe(true);
      expect(joined.data.paused).toBeNull();
    }
    const message = 'Back in ten minutes.';
    await app.api('PUT', `/api/v1/admin/events/${s.eventId}/pause`, { token: admin, body: { message } });
    await expect.poll(() => heard.length).toBe(2);
    for (const h of heard)
      expect(h.payload).toMatchObject({ eventId: s.eventId, paused: { message, by: 'school' } });
    await app.api('DELETE', `/api/v1/admin/events/${s.eventId}/pause`, { token: admin });
    await expect.poll(() => heard.length).toBe(4);
    expect(heard.slice(2).map((h) => h.payload.paused)).toEqual([null, null]);
    expect(new Set(heard.map((h) => h.who))).toEqual(new Set(['family', 'admin']));
    family.disconnect();
    staff.disconnect();
  });
});

describe('a fair-start request while paused', () => {
  it('is refused with the message (it books nothing, so it asks the pause itself), and accepted after the resume', async () => {
    // Last in the file: the other school's event now collects fair-start choices.
    await app.db.query(
      `UPDATE events SET booking_mode = 'fair_start', fair_allocated_at = NULL, fair_window_seconds = 7200,
              booking_opens_at = now() - interval '1 minute' WHERE id = $1`,
      [other.eventId],
    );
    const theirAdmin = await loginStaff(app, other.admin.email);
    const message = 'Choices reopen in five minutes.';
    const paused = await app.api('PUT', `/api/v1/admin/events/${other.eventId}/pause`, {
      token: theirAdmin,
      body: { message },
    });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    const c = child(other, 1);
    const token = await loginFamily(app, other, 1);
    const send = () =>
      app.api('PUT', `/api/v1/events/${other.eventId}/fair-start/requests`, {
        token,
        body: { choices: [{ studentId: c.studentId, teacherId: c.teacherId }] },
      });
    expectPaused(await send(), message);
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM fair_start_requests WHERE event_id = $1',
      [other.eventId],
    );
    expect(rows[0].n).toBe(0);
    await app.api('DELETE', `/api/v1/admin/events/${other.eventId}/pause`, { token: theirAdmin });
    const accepted = await send();
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  });
});
