import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import { ask, loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: '1', PAGE_VIEWS_PER_MINUTE: '20' });
});
afterAll(() => app.close());

// A distinctive client address: it must not end up anywhere in the statistics.
const BROWSER_IP = '203.0.113.77';

async function beacon(page: string, first: boolean, token?: string) {
  const res = await app.api('POST', '/api/v1/stats/page-view', {
    token,
    body: { page, first },
    headers: { 'x-forwarded-for': BROWSER_IP, 'user-agent': 'StatsProbe/1.0 (unique-agent-string)' },
  });
  expect(res.status).toBe(200);
}

describe('statistics without tracking', () => {
  it('counts page views and visits per day from a scripted browsing session, storing no personal data', async () => {
    const school = await seedSmallSchool(app, { code: 'STAT' });
    const familyToken = await loginFamily(app, school, 0);
    // Tab 1: login page, then two signed-in pages. Tab 2: login page only.
    await beacon('family-login', true);
    await beacon('parent', false, familyToken);
    await beacon('parent', false, familyToken);
    await beacon('admin-console', false, familyToken);
    await beacon('family-login', true);
    const bad = await app.api('POST', '/api/v1/stats/page-view', {
      body: { page: '/etc/passwd', first: true },
    });
    expect(bad.status).toBe(400);

    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const traffic = await app.api('GET', '/api/v1/admin/stats/traffic', { token: admin });
    expect(traffic.body.pages).toEqual([
      { page: 'parent', views: 2, visits: 0 },
      { page: 'admin-console', views: 1, visits: 0 },
    ]);
    const { rows: all } = await app.db.query(
      'SELECT school_id, page, views, visits FROM traffic_daily ORDER BY page',
    );
    expect(all).toEqual([
      { school_id: school.schoolId, page: 'admin-console', views: 1, visits: 0 },
      { school_id: null, page: 'family-login', views: 2, visits: 2 },
      { school_id: school.schoolId, page: 'parent', views: 2, visits: 0 },
    ]);

    // Nothing personal in the statistics tables or in any Redis key or value of this app.
    const family = school.families[0]!;
    const forbidden = [BROWSER_IP, 'unique-agent-string', family.id, family.surname, familyToken];
    const tables = JSON.stringify(
      (await app.db.query('SELECT * FROM traffic_daily')).rows.concat(
        (await app.db.query('SELECT * FROM connection_peaks')).rows,
      ),
    );
    for (const s of forbidden) expect(tables).not.toContain(s);
    const { rows: columns } = await app.db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name IN ('traffic_daily', 'connection_peaks')`,
    );
    expect(columns.map((c) => c.column_name).sort()).toEqual([
      'day',
      'day',
      'page',
      'peak',
      'school_id',
      'school_id',
      'views',
      'visits',
    ]);
    const keys = await app.redis.keys(`${app.config.REDIS_PREFIX}*`);
    for (const key of keys) {
      expect(key).not.toContain(BROWSER_IP);
      const type = await app.redis.type(key);
      const value =
        type === 'string'
          ? await app.redis.get(key)
          : JSON.stringify(await app.redis.hgetall(key).catch(() => ({})));
      expect(value ?? '').not.toContain(BROWSER_IP);
      expect(value ?? '').not.toContain('unique-agent-string');
    }

    // Operator view: the same counts across schools, aggregates only.
    const { OperatorAuth } = await import('../../server/src/features/operator/operator-auth.ts');
    const { RateLimit } = await import('../../server/src/infra/rate-limit.ts');
    await new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}o`, 10, 60),
    ).create({ email: 'ops@example.org', name: 'Ops', password: 'operator pass phrase' }, 10);
    const op = await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops@example.org', password: 'operator pass phrase' },
    });
    const overview = await app.api('GET', '/api/v1/operator/overview', { token: op.body.token });
    expect(overview.body.traffic.days[0]).toMatchObject({ views: 5, visits: 2 });
    expect(overview.body.schools).toBeGreaterThanOrEqual(1);
  });

  it('counts known pages only, and at most PAGE_VIEWS_PER_MINUTE (20 here) per address', async () => {
    const send = (page: string, address: string) =>
      app.api('POST', '/api/v1/stats/page-view', {
        body: { page, first: false },
        headers: { 'x-forwarded-for': address },
      });
    const before = (await app.db.query('SELECT count(*)::int AS n FROM traffic_daily')).rows[0].n;
    // Made-up names that the old pattern (lower-case, digits, dashes) accepted.
    for (const page of ['spam-1', 'buy-cheap-pills', 'login', 'admin-x']) {
      const res = await send(page, '198.51.100.60');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await app.db.query('SELECT count(*)::int AS n FROM traffic_daily')).rows[0].n).toBe(before);

    const views = async () =>
      (
        await app.db.query(
          `SELECT coalesce(sum(views), 0)::int AS n FROM traffic_daily WHERE page = 'teacher'`,
        )
      ).rows[0].n;
    const start = await views();
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await send('teacher', '198.51.100.61')).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(await views()).toBe(start + 20);
    const refused = await send('teacher', '198.51.100.61');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is counted as before.
    expect((await send('teacher', '198.51.100.62')).status).toBe(200);
  });

  it('reports % of families booked, bookings per teacher, bookings per minute after opening and peak connections', async () => {
    const school = await seedSmallSchool(app, { code: 'STAU' });
    const fam = school.families[0]!;
    const token = await loginFamily(app, school, 0);
    const sockets = [await app.socket(token), await app.socket(token), await app.socket(token)];
    await ask(sockets[0]!, 'event:join', { eventId: school.eventId });
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    const slot = snap.body.slots.find((s: SlotView) => s.teacherId === teacherId && s.state === 'free');
    await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    await app.api('POST', '/api/v1/holds/confirm', { token, body: { eventId: school.eventId } });
    for (const s of sockets) s.disconnect();

    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const stats = await app.api('GET', `/api/v1/admin/events/${school.eventId}/stats`, { token: admin });
    expect(stats.status).toBe(200);
    expect(stats.body.families).toBe(school.families.length);
    expect(stats.body.familiesBooked).toBe(1);
    expect(stats.body.percentBooked).toBe(Math.round((1 / school.families.length) * 1000) / 10);
    expect(stats.body.bookingsPerTeacher.find((t: any) => t.teacherId === teacherId).bookings).toBe(1);
    // Booking opened an hour ago (seed): the confirmation falls in minute ~60.
    expect(stats.body.perMinute.reduce((n: number, m: any) => n + m.bookings, 0)).toBe(1);
    expect(stats.body.perMinute.length).toBeGreaterThan(50);
    expect(stats.body.peakConnections).toBeGreaterThanOrEqual(3);
  });
});
