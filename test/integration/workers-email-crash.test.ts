import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { MailService } from '../../server/src/features/mail/mail.service.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { issueStaffLink } from '../../server/src/features/staff/staff-links.ts';
import { createMailer } from '../../server/src/infra/mailer.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

const sealKey = () => serverKeys(app.config.SERVER_SECRET).mailSeal;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOCK_MS = 1500;
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let queue: Queue<EmailJob>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp();
  school = await seedSmallSchool(app);
  queue = new Queue(QUEUES.email, { connection: app.redis, prefix: bullPrefix(app.config.REDIS_PREFIX) });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await app?.close();
  await smtp?.close();
});

/** `npm run workers` as its own process, against this test's database and Redis prefix. */
function workerProcess(): ChildProcess {
  // node with tsx's loader rather than the tsx CLI: the CLI runs the script in a
  // child process of its own, which a SIGKILL to the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers/index.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: app.config.DATABASE_URL,
      REDIS_URL: app.config.REDIS_URL,
      REDIS_PREFIX: app.config.REDIS_PREFIX,
      SMTP_URL: smtp.url,
      MIGRATE_ON_START: 'false',
      WORKER_LOCK_MS: String(LOCK_MS),
      EMAIL_BACKOFF_MS: '100',
      // The killed worker's claim on the mail lapses after this long (sent-log.ts).
      EMAIL_SEND_LEASE_MS: '2000',
      LOG_LEVEL: process.env.DEBUG_CHILD ? 'debug' : 'silent',
      DATABASE_POOL_SIZE: '5',
    },
    stdio: process.env.DEBUG_CHILD ? 'inherit' : 'ignore',
  });
  children.push(child);
  return child;
}

const exited = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) resolve(c.exitCode);
    else c.once('exit', (code) => resolve(code));
  });

const mailsTo = (address: string) =>
  smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

async function logState(key: string): Promise<string | null> {
  const { rows } = await app.db.query<{ state: string }>('SELECT state FROM email_log WHERE key = $1', [key]);
  return rows[0]?.state ?? null;
}

async function logRows(key: string): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM email_log WHERE key = $1',
    [key],
  );
  return rows[0]!.n;
}

describe('e-mail exactly once across a worker crash', () => {
  it('a worker process killed in the middle of sending (before the server accepted): after a restart the mail goes out once', async () => {
    const teacher = school.teachers[1]!;
    const { linkId } = await issueStaffLink(app.db, teacher.id, 'invite', 3_600_000, sealKey());
    const job: EmailJob = { kind: 'staff-invitation', staffId: teacher.id, inviteId: linkId };
    const key = emailKey(job);
    smtp.stallNext = true;
    await enqueueEmails(queue, [job], { attempts: 5, backoffMs: 100 });

    const first = workerProcess();
    // The message is on the wire and the server has not said "250 OK": mid-send.
    await smtp.stalled;
    // Committed before the SMTP exchange: the outcome of this attempt will be unknown.
    expect(await logState(key)).toBe('sending');
    first.kill('SIGKILL');
    await exited(first);
    expect(mailsTo(teacher.email)).toHaveLength(0);

    const second = workerProcess();
    await expect.poll(() => mailsTo(teacher.email).length, { timeout: 30_000, interval: 100 }).toBe(1);
    const { job: done, state } = await settled(queue, key, 30_000);
    expect(state).toBe('completed');
    expect(done.returnvalue).toBe('sent');
    // Longer than a lock period: nothing else picks the job up again.
    await new Promise((r) => setTimeout(r, LOCK_MS * 2));
    expect(mailsTo(teacher.email)).toHaveLength(1);
    expect(await logRows(key)).toBe(1);

    // Graceful shutdown on SIGTERM.
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
  }, 90_000);

  it('a crash after the send but before the job is acknowledged: the retry does not send again', async () => {
    // Simulated faithfully in-process: a worker takes the job (it is active, under
    // its lock), sends through the real mail service (the sent-log row commits),
    // and then vanishes without acknowledging — its lock simply runs out.
    const teacher = school.teachers[2]!;
    const { linkId } = await issueStaffLink(app.db, teacher.id, 'reset', 3_600_000, sealKey());
    const job: EmailJob = { kind: 'password-reset', staffId: teacher.id, requestId: linkId };
    const key = emailKey(job);
    await enqueueEmails(queue, [job], { attempts: 5, backoffMs: 100 });
    const connection = new Redis(app.config.REDIS_URL, { maxRetriesPerRequest: null });
    const doomed = new Worker(QUEUES.email, null, {
      connection,
      prefix: bullPrefix(app.config.REDIS_PREFIX),
      lockDuration: LOCK_MS,
      autorun: false,
    });
    doomed.on('error', () => {});
    const taken = await doomed.getNextJob('doomed-token');
    expect(taken?.id).toBe(key);
    const mailer = createMailer(smtp.url, app.config.MAIL_FROM);
    const service = new MailService({
      db: app.db,
      mailer,
      publicUrl: app.url,
      enqueue: async () => {},
      sealKey: sealKey(),
      organizerEmail: 'no-reply@confer.local',
    });
    expect(await service.handle(taken!.data)).toBe('sent');
    mailer.close();
    // Gone, without completing the job: the worker lets go, its lock is not renewed.
    await doomed.close(true);
    connection.disconnect();
    expect(await queue.getJobState(key)).toBe('active');

    const workers = await startTestWorkers(app, {
      smtpUrl: smtp.url,
      only: ['email'],
      env: { WORKER_LOCK_MS: LOCK_MS },
    });
    try {
      const { job: done, state } = await settled(queue, key, 30_000);
      expect(state).toBe('completed');
      expect(done.returnvalue).toBe('already_sent');
      expect(mailsTo(teacher.email)).toHaveLength(1);
      expect(await logRows(key)).toBe(1);
    } finally {
      await workers.close();
    }
  }, 60_000);
});
