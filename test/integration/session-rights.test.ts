import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { issueStaffLink } from '../../server/src/features/staff/staff-links.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { importCsv } from '../support/csv-import.ts';
import { loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Issue 13, finding 3: a session must not outlive the rights it was given. A change of
 * role (teachers import), a password set through a link, or a deactivation ends every
 * open session of the account at once, on every instance (the Redis copy goes too).
 */
let app: TestApp;
let school: SeededSchool;
let admin: string;

beforeAll(async () => {
  app = await startTestApp({ IMPORTS_PER_HOUR: '100' });
  school = await seedSmallSchool(app, { families: 4, teachers: 3 });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

const listStaff = (token: string) => app.api('GET', '/api/v1/admin/staff-accounts', { token });

async function teacherRow(id: string) {
  const { rows } = await app.db.query<{
    external_id: string;
    email: string;
    first_name: string;
    surname: string;
  }>('SELECT external_id, email, first_name, surname FROM staff WHERE id = $1', [id]);
  return rows[0]!;
}

describe('sessions end when the rights they were given change', () => {
  it('an admin demoted by a teachers import loses admin rights in the sessions already open', async () => {
    const t = school.teachers[0]!;
    await app.db.query('UPDATE staff SET is_admin = true WHERE id = $1', [t.id]);
    const promoted = await loginStaff(app, t.email);
    // Used twice, so the principal sits in the Redis cache and has been touched.
    expect((await listStaff(promoted)).status).toBe(200);
    expect((await listStaff(promoted)).status).toBe(200);
    const socket = await app.socket(promoted);
    const ended = new Promise<unknown>((resolve) => socket.on('session:ended', resolve));
    const r = await teacherRow(t.id);
    const csv = `staff_id,first_name,surname,email,role\n${r.external_id},${r.first_name},${r.surname},${r.email},teacher\n`;
    // Taking the admin role away needs the import's confirmation.
    const imported = await importCsv(app, admin, csv, { query: 'kind=teachers', confirm: true });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.updated).toBe(1);
    const after = await listStaff(promoted);
    expect(after.status).toBe(401);
    await ended;
    // A new sign-in gets the new rights: a teacher, not an admin.
    const fresh = await loginStaff(app, t.email);
    expect((await listStaff(fresh)).status).toBe(403);
    // The admin who ran the import keeps their session: their rights did not change.
    expect((await listStaff(admin)).status).toBe(200);
  });

  it('an import that leaves roles as they were ends nobody’s session', async () => {
    const t = school.teachers[1]!;
    const token = await loginStaff(app, t.email);
    const r = await teacherRow(t.id);
    const csv = `staff_id,first_name,surname,email,role\n${r.external_id},${r.first_name},Renamed,${r.email},teacher\n`;
    const imported = await importCsv(app, admin, csv, { query: 'kind=teachers' });
    expect(imported.status).toBe(200);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(200);
  });

  it('a password set through a reset link ends every other session of the account', async () => {
    const t = school.teachers[2]!;
    const first = await loginStaff(app, t.email);
    const second = await loginStaff(app, t.email);
    expect((await app.api('GET', '/api/v1/me', { token: first })).status).toBe(200);
    const { token } = await issueStaffLink(
      app.db,
      t.id,
      'reset',
      60_000,
      serverKeys(app.config.SERVER_SECRET).mailSeal,
    );
    const set = await app.api('POST', '/api/v1/auth/password', {
      body: { token, password: 'a brand new passphrase 42' },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await app.api('GET', '/api/v1/me', { token: first })).status).toBe(401);
    expect((await app.api('GET', '/api/v1/me', { token: second })).status).toBe(401);
    await expect(loginStaff(app, t.email, PASSWORD)).rejects.toThrow(/401/);
    expect((await loginStaff(app, t.email, 'a brand new passphrase 42')).length).toBeGreaterThan(10);
  });

  it('a deactivated account is signed out at once', async () => {
    const t = school.teachers[0]!;
    const token = await loginStaff(app, t.email);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(200);
    const off = await app.api('POST', `/api/v1/admin/staff-accounts/${t.id}/deactivate`, { token: admin });
    expect(off.status).toBe(200);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(401);
  });
});
