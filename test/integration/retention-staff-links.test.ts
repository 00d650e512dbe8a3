import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { RetentionService } from '../../server/src/features/retention/retention.service.ts';
import { retentionRedis } from '../../server/src/features/retention/retention-redis.ts';
import { SPENT_LINK_HOURS } from '../../server/src/features/retention/retention-rules.ts';
import { tokenForMail } from '../../server/src/features/staff/staff-links.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Staff invitation and password-reset links under retention, as interpreters' sign-in links:
 * a link's row is deleted a day after it was used, retired (by a newer link, or the account's
 * deactivation) or expired, while one that still works, and one spent within the day, stay.
 * The accounts themselves are the school's and stay. Links are made through the API, their
 * tokens opened as the mail worker opens them.
 */
const OVER = `${SPENT_LINK_HOURS + 1} hours`;
const UNDER = `${SPENT_LINK_HOURS - 1} hours`;
let app: TestApp;
let school: SeededSchool;
let admin: string;
let sealKey: Buffer;
let emailQueue: Queue;

const sweep = () =>
  new RetentionService(app.db, retentionRedis(app.redis, app.config.REDIS_PREFIX, emailQueue)).sweep(30);

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

async function invite(firstName: string): Promise<string> {
  const res = await api('POST', '/admin/staff-accounts', admin, {
    email: `${firstName.toLowerCase()}@retlinks.example.org`,
    firstName,
    surname: 'Staff',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.staffId as string;
}

/** The staff member's one unused link, and its token as its mail would carry it. */
async function openLink(staffId: string): Promise<{ id: string; token: string }> {
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM staff_links WHERE staff_id = $1 AND used_at IS NULL',
    [staffId],
  );
  expect(rows).toHaveLength(1);
  const mail = await tokenForMail(app.db, rows[0]!.id, staffId, sealKey);
  return { id: rows[0]!.id, token: mail!.token };
}

const setPassword = (token: string, password: string) =>
  api('POST', '/auth/password', undefined, { token, password });

const linkIds = async () =>
  (await app.db.query<{ id: string }>('SELECT id FROM staff_links ORDER BY id')).rows.map((r) => r.id);

beforeAll(async () => {
  app = await startTestApp();
  sealKey = serverKeys(app.config.SERVER_SECRET).mailSeal;
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
  school = await seedSmallSchool(app, {
    code: 'RETSTL',
    teachers: 2,
    families: 2,
    teachersPerStudent: 1,
    siblingShare: 0,
  });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(async () => {
  await emailQueue?.close();
  await app?.close();
});

describe('retention of staff invitation and password links', () => {
  it('deletes links spent more than a day ago and keeps the ones that work or were spent within the day', async () => {
    // Una accepted her invitation two days ago, and reset her password a moment ago.
    const una = await invite('Una');
    const unaInvite = await openLink(una);
    expect((await setPassword(unaInvite.token, 'una sets a long phrase')).status).toBe(200);
    await app.db.query(
      `UPDATE staff_links SET created_at = now() - interval '3 days', used_at = now() - interval '2 days' WHERE id = $1`,
      [unaInvite.id],
    );
    expect(
      (await api('POST', '/auth/password/reset-request', undefined, { email: 'una@retlinks.example.org' }))
        .status,
    ).toBe(200);
    const unaReset = await openLink(una);
    expect((await setPassword(unaReset.token, 'una resets it again')).status).toBe(200);

    // Eve never opened hers: it expired over a day ago.
    const eve = await invite('Eve');
    const eveInvite = await openLink(eve);
    await app.db.query(
      `UPDATE staff_links SET created_at = now() - interval '5 days', expires_at = now() - interval '${OVER}' WHERE id = $1`,
      [eveInvite.id],
    );
    // Lena's expired only just under a day ago: spent, but kept for now.
    const lena = await invite('Lena');
    const lenaInvite = await openLink(lena);
    await app.db.query(
      `UPDATE staff_links SET created_at = now() - interval '5 days', expires_at = now() - interval '${UNDER}' WHERE id = $1`,
      [lenaInvite.id],
    );

    // Rita's first invitation was retired by a newer one over a day ago; the newer one works.
    const rita = await invite('Rita');
    const ritaFirst = await openLink(rita);
    expect((await api('POST', `/admin/staff-accounts/${rita}/send-link`, admin)).status).toBe(200);
    const ritaLive = await openLink(rita);
    await app.db.query(
      `UPDATE staff_links SET created_at = now() - interval '3 days', used_at = now() - interval '${OVER}' WHERE id = $1`,
      [ritaFirst.id],
    );

    // Dee's invitation was retired when her account was deactivated, over a day ago.
    const dee = await invite('Dee');
    const deeInvite = await openLink(dee);
    expect((await api('POST', `/admin/staff-accounts/${dee}/deactivate`, admin)).status).toBe(200);
    await app.db.query(
      `UPDATE staff_links SET created_at = now() - interval '3 days', used_at = now() - interval '${OVER}' WHERE id = $1`,
      [deeInvite.id],
    );

    expect(await linkIds()).toHaveLength(7);
    const swept = await sweep();
    expect(swept.purged.staff_links).toBe(4);
    const after = await linkIds();
    expect(after.sort()).toEqual([unaReset.id, lenaInvite.id, ritaLive.id].sort());

    // The accounts are the school's: all still there.
    const { rows: staff } = await app.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff WHERE id = ANY($1::uuid[])',
      [[una, eve, lena, rita, dee]],
    );
    expect(staff[0]!.n).toBe(5);

    // The link that still works sets Rita's password, and she signs in with it.
    expect((await setPassword(ritaLive.token, 'rita picks a phrase')).status).toBe(200);
    expect(await loginStaff(app, 'rita@retlinks.example.org', 'rita picks a phrase')).toEqual(
      expect.any(String),
    );
    // Una's password is the one her reset link (spent within the day, kept) set.
    expect(await loginStaff(app, 'una@retlinks.example.org', 'una resets it again')).toEqual(
      expect.any(String),
    );
  });
});
