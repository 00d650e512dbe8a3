import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { bullPrefix } from '../../server/src/infra/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
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
    expect(link).toMatch(new RegExp(`^${app.url}/api/v1/mail/opt-out/[0-9a-f]{48}$`));
    const header = (key: string) =>
      first.headerLines.find((h) => h.key === key)?.line.replace(/\r\n\s+/g, ' ');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    // No login: the link alone opts out.
    const res = await fetch(link!);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ optedOut: true });
    expect((await fetch(link!)).status).toBe(200); // twice is the same as once
    const bogus = await fetch(`${app.url}/api/v1/mail/opt-out/${'0'.repeat(48)}`);
    expect(bogus.status).toBe(404);
    expect(await bogus.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await fetch(`${app.url}/api/v1/mail/opt-out/x';DROP`)).status).toBe(404);

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
});
