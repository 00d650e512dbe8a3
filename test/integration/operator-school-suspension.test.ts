import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The operator suspends and unsuspends a school and sets its retention period
 * (PATCH /operator/schools/:schoolId): a suspended school's staff and
 * families cannot sign in, are told why, and their open sessions end.
 */
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let operatorToken: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'SUSP', name: 'Suspended School' });
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School' });
  const auth = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}x`, 10, 60),
  );
  await auth.create(
    { email: 'ops-susp@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  const login = await app.api('POST', '/api/v1/operator/login', {
    body: { email: 'ops-susp@example.org', password: 'a long operator passphrase' },
  });
  operatorToken = login.body.token;
});
afterAll(async () => {
  await app.close();
});

const patch = (schoolId: string, body: unknown, token: string | null = operatorToken) =>
  app.api('PATCH', `/api/v1/operator/schools/${schoolId}`, { token: token ?? undefined, body });

describe('the operator suspends a school and sets its retention period', () => {
  it('only an operator token may change a school, and bad input changes nothing', async () => {
    const adminToken = await loginStaff(app, school.admin.email, school.admin.password);
    expect((await patch(school.schoolId, { suspended: true }, null)).status).toBe(401);
    expect((await patch(school.schoolId, { suspended: true }, adminToken)).status).toBe(403);
    for (const bad of [
      {},
      { retentionDays: 29 },
      { retentionDays: 3651 },
      { suspended: 'yes' },
      { other: 1 },
    ]) {
      const res = await patch(school.schoolId, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect((await patch('00000000-0000-4000-8000-000000000000', { suspended: true })).status).toBe(404);
    // An id that is not one is not found, as everywhere (route.ts).
    expect((await patch('not-a-uuid', { suspended: true })).status).toBe(404);
    const { rows } = await app.db.query('SELECT suspended_at, retention_days FROM schools WHERE id = $1', [
      school.schoolId,
    ]);
    expect(rows[0].suspended_at).toBeNull();
    // The admin's session is untouched by refused requests.
    expect((await app.api('GET', '/api/v1/me', { token: adminToken })).status).toBe(200);
  });

  it('sets the retention period within 30..3650 days, and the list shows it', async () => {
    const res = await patch(school.schoolId, { retentionDays: 30 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: school.schoolId, retentionDays: 30, suspendedAt: null });
    expect((await patch(school.schoolId, { retentionDays: 3650 })).body.retentionDays).toBe(3650);
    const list = await app.api('GET', '/api/v1/operator/schools', { token: operatorToken });
    const row = list.body.schools.find((s: { id: string }) => s.id === school.schoolId);
    expect(row).toMatchObject({ retentionDays: 3650, suspendedAt: null });
  });

  it('a suspended school’s staff and families cannot sign in and are told why; open sessions end; unsuspending lets them in', async () => {
    const adminToken = await loginStaff(app, school.admin.email, school.admin.password);
    const familyToken = await loginFamily(app, school, 0);
    const otherFamily = await loginFamily(app, other, 0);

    const res = await patch(school.schoolId, { suspended: true });
    expect(res.status).toBe(200);
    expect(res.body.suspendedAt).toEqual(expect.any(String));
    const first = res.body.suspendedAt;
    // Suspending again keeps the time it first happened.
    expect((await patch(school.schoolId, { suspended: true })).body.suspendedAt).toBe(first);

    // Sessions already open are over; the other school's are not.
    expect((await app.api('GET', '/api/v1/me', { token: adminToken })).status).toBe(401);
    expect((await app.api('GET', '/api/v1/me', { token: familyToken })).status).toBe(401);
    expect((await app.api('GET', '/api/v1/me', { token: otherFamily })).status).toBe(200);

    const staff = await app.api('POST', '/api/v1/auth/staff/login', {
      body: { email: school.admin.email, password: school.admin.password },
    });
    expect(staff.status).toBe(403);
    expect(staff.body.error.message).toMatch(/suspended/);
    const f = school.families[1]!;
    const family = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: f.surname, accessCode: f.accessCode },
    });
    expect(family.status).toBe(403);
    expect(family.body.error.message).toMatch(/suspended/);
    // A wrong access code learns nothing about the suspension.
    const wrong = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: f.surname, accessCode: 'WRONG-CODE-00' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).not.toMatch(/suspended/);
    // The other school is not affected.
    await loginFamily(app, other, 1);

    const back = await patch(school.schoolId, { suspended: false });
    expect(back.status).toBe(200);
    expect(back.body.suspendedAt).toBeNull();
    await loginStaff(app, school.admin.email, school.admin.password);
    await loginFamily(app, school, 1);
  });
});
