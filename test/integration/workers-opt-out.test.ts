import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let queue: Queue<EmailJob>;
const retry = { attempts: 3, backoffMs: 100 };
const deputy = 'deputy@test.school.test';

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp();
  school = await seedSmallSchool(app);
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School', teachers: 2, families: 2 });
  await app.db.query(
    `INSERT INTO staff (school_id, email, first_name, surname, is_admin, is_teacher)
     VALUES ($1, $2, 'Dee', 'Puty', true, false)`,
    [school.schoolId, deputy],
  );
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
  queue = new Queue(QUEUES.email, { connection: app.redis, prefix: bullPrefix(app.config.REDIS_PREFIX) });
});
afterAll(async () => {
  await queue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

const updatesTo = (address: string) =>
  smtp.messages.filter(
    (m) =>
      m.subject?.startsWith('Confer update') && !Array.isArray(m.to) && m.to?.value[0]?.address === address,
  );

describe('system-update mail and its one-click opt-out', () => {
  it('stops system-update mail to the admin who clicked, and only to that admin', async () => {
    const admins = [school.admin.email, deputy, other.admin.email];
    await enqueueEmails(
      queue,
      [
        {
          kind: 'system-update-broadcast',
          updateId: 'upd-1',
          subject: 'New release',
          body: 'Hello.\n\nIt is better.',
        },
      ],
      retry,
    );
    for (const a of admins) await expect.poll(() => updatesTo(a).length, { timeout: 15_000 }).toBe(1);
    // Teachers are not admins and get nothing.
    expect(updatesTo(school.teachers[0]!.email)).toHaveLength(0);

    const first = updatesTo(school.admin.email)[0]!;
    expect(first.html as string).toContain('Stop receiving these updates');
    const link = /To stop receiving these updates, open: (\S+)/.exec(first.text ?? '')?.[1];
    expect(link).toMatch(new RegExp(`^${app.url}/mail/opt-out/[0-9a-f]{48}$`));
    const token = link!.slice(-48);
    const header = (key: string) =>
      first.headerLines.find((h) => h.key === key)?.line.replace(/\r\n\s+/g, ' ');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const optedOut = async (email: string) =>
      (
        await app.db.query<{ out: boolean }>(
          'SELECT system_mail_opt_out_at IS NOT NULL AS out FROM staff WHERE email = $1',
          [email],
        )
      ).rows[0]!.out;

    // Opening the link (what a mail scanner does, twice for good measure) changes nothing:
    // it shows a button that POSTs.
    for (let n = 0; n < 2; n++) {
      const page = await fetch(link!);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<form method="post" action="/mail/opt-out/${token}">`);
      expect(html).toContain('Stop these updates');
      expect(html).not.toMatch(/<script/);
    }
    expect((await app.api('GET', `/api/v1/mail/opt-out/${token}`)).body).toMatchObject({ optedOut: false });
    expect(await optedOut(school.admin.email)).toBe(false);

    // A mail client's one-click unsubscribe (RFC 8058): a POST of List-Unsubscribe=One-Click
    // to the header's URL, no login, no cookie.
    const oneClick = () =>
      fetch(link!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    const clicked = await oneClick();
    expect(clicked.status).toBe(200);
    expect(clicked.headers.get('set-cookie')).toBeNull();
    const after = await clicked.text();
    expect(after).toContain('You will no longer receive Confer service updates');
    // The way back in is on the same page.
    expect(after).toContain(`<form method="post" action="/mail/opt-in/${token}">`);
    expect(await optedOut(school.admin.email)).toBe(true);
    expect((await oneClick()).status).toBe(200); // twice is the same as once
    expect(await optedOut(school.admin.email)).toBe(true);
    // Recorded for the school by whose mail it was, never with the token.
    const { rows: recorded } = await app.db.query<{ school_id: string; target: unknown; row: string }>(
      `SELECT school_id, target, to_jsonb(a)::text AS row FROM audit_log a WHERE action = 'optOutOfSystemMail'`,
    );
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({ school_id: school.schoolId, target: { staffId: school.admin.id } });
    expect(recorded.map((r) => r.row).join()).not.toContain(token);

    // Opting back in from the page, then out again with the page's own button.
    const back = await fetch(`${app.url}/mail/opt-in/${token}`, { method: 'POST' });
    expect(back.status).toBe(200);
    expect(await back.text()).toContain('You will receive Confer service updates again');
    expect(await optedOut(school.admin.email)).toBe(false);
    expect((await fetch(link!, { method: 'POST' })).status).toBe(200);
    expect(await optedOut(school.admin.email)).toBe(true);

    const bogus = await fetch(`${app.url}/mail/opt-out/${'0'.repeat(48)}`, { method: 'POST' });
    expect(bogus.status).toBe(404);
    expect(await bogus.text()).toContain('This link is not valid');
    const bogusApi = await fetch(`${app.url}/api/v1/mail/opt-out/${'0'.repeat(48)}`, { method: 'POST' });
    expect(bogusApi.status).toBe(404);
    expect(await bogusApi.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await fetch(`${app.url}/mail/opt-out/x';DROP`)).status).toBe(404);

    const { rows } = await app.db.query<{ email: string; out: boolean }>(
      `SELECT email, system_mail_opt_out_at IS NOT NULL AS out FROM staff WHERE is_admin ORDER BY email`,
    );
    expect(rows.filter((r) => r.out).map((r) => r.email)).toEqual([school.admin.email]);

    await enqueueEmails(
      queue,
      [{ kind: 'system-update-broadcast', updateId: 'upd-2', subject: 'Another', body: 'More news.' }],
      retry,
    );
    await expect.poll(() => updatesTo(deputy).length, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => updatesTo(other.admin.email).length, { timeout: 15_000 }).toBe(2);
    expect(updatesTo(school.admin.email)).toHaveLength(1);

    // A message already queued for that admin before the click is not sent either.
    const queued: EmailJob = {
      kind: 'system-update',
      updateId: 'upd-3',
      staffId: school.admin.id,
      subject: 'Queued',
      body: 'Queued before the opt-out.',
    };
    await enqueueEmails(queue, [queued], retry);
    const { job } = await settled(queue, emailKey(queued));
    expect(job.returnvalue).toBe('opted_out');
    expect(updatesTo(school.admin.email)).toHaveLength(1);
  });

  it('an admin sees and changes their own opt-out from their account, and mail follows it', async () => {
    const admin = await loginStaff(app, school.admin.email, PASSWORD);
    const seen = await app.api('GET', '/api/v1/admin/mail-preferences', { token: admin });
    expect(seen.status).toBe(200);
    // Opted out by the link in the test above.
    expect(seen.body).toEqual({ email: school.admin.email, systemUpdates: false });
    const back = await app.api('PUT', '/api/v1/admin/mail-preferences', {
      token: admin,
      body: { systemUpdates: true },
    });
    expect(back.body).toEqual({ email: school.admin.email, systemUpdates: true });
    expect(
      (await app.api('GET', '/api/v1/admin/mail-preferences', { token: admin })).body.systemUpdates,
    ).toBe(true);
    await enqueueEmails(
      queue,
      [{ kind: 'system-update-broadcast', updateId: 'upd-4', subject: 'Welcome back', body: 'Hello again.' }],
      retry,
    );
    await expect.poll(() => updatesTo(school.admin.email).length, { timeout: 15_000 }).toBe(2);

    // Only their own: a teacher has no such preference to change, and bad input is refused.
    const teacher = await loginStaff(app, school.teachers[0]!.email, PASSWORD);
    expect((await app.api('GET', '/api/v1/admin/mail-preferences', { token: teacher })).status).toBe(403);
    const bad = await app.api('PUT', '/api/v1/admin/mail-preferences', {
      token: admin,
      body: { systemUpdates: 'no' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const off = await app.api('PUT', '/api/v1/admin/mail-preferences', {
      token: admin,
      body: { systemUpdates: false },
    });
    expect(off.body.systemUpdates).toBe(false);
    const { rows } = await app.db.query<{ email: string }>(
      'SELECT email FROM staff WHERE system_mail_opt_out_at IS NOT NULL ORDER BY email',
    );
    expect(rows.map((r) => r.email)).toEqual([school.admin.email]);
  });
});
