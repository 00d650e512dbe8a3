import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * While the SMTP server cannot be reached, the workers back off for the server, not
 * per message (workers/smtp-backoff.ts): a handful of connection attempts over the
 * outage instead of one per mail per retry, and no mail spends its attempts on it —
 * every one goes out once the server is back. Before, each mail here failed for good
 * after its three attempts (three connections per mail in about a second).
 */
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let emailQueue: Queue<EmailJob>;
let relay: Server;
/** Connections the workers opened while the server was "down" (each closed at once). */
let refused = 0;
let down = true;
const open = new Set<Socket>();

beforeAll(async () => {
  smtp = await startSmtp();
  // In front of the SMTP server: while `down`, every connection is closed before the
  // greeting (a relay that is away); otherwise it is passed through.
  relay = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {});
    if (down) {
      refused++;
      socket.destroy();
      return;
    }
    const upstream = connect(smtp.port, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  const port = (relay.address() as AddressInfo).port;
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100', EMAIL_ATTEMPTS: '3' }, { hooks: workerHooks });
  school = await seedSmallSchool(app);
  workers = await startTestWorkers(app, {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    only: ['email'],
    env: { PUBLIC_URL: app.url },
  });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  for (const s of open) s.destroy();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  await smtp?.close();
});

describe('the SMTP server away for a while', () => {
  it('costs a few connection attempts, spends no attempt of any mail, and every mail goes out when it is back', async () => {
    // A notice to every family with an address, three each.
    const jobs: EmailJob[] = school.families
      .filter((f) => f.email !== null)
      .flatMap((f) =>
        [1, 2, 3].map((n) => ({
          kind: 'family-notice' as const,
          eventId: school.eventId,
          familyId: f.id,
          noticeId: `away-${n}`,
          subject: 'Running late',
          body: `Notice ${n}`,
        })),
      );
    expect(jobs.length).toBeGreaterThanOrEqual(12);
    await enqueueEmails(emailQueue, jobs, { attempts: 3, backoffMs: 100 });
    await new Promise((r) => setTimeout(r, 3000));
    const counts = await emailQueue.getJobCounts('failed', 'completed');
    expect(counts.failed).toBe(0);
    expect(counts.completed).toBe(0);
    // 100 ms doubling: about five tries in 3 s, each by up to four mails in flight, each
    // tried on a second connection once (mailer.ts).
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(40);

    down = false;
    for (const job of jobs) {
      const { job: done, state } = await settled(emailQueue, emailKey(job), 90_000);
      expect(state).toBe('completed');
      expect(done.returnvalue).toBe('sent');
      expect(done.attemptsMade).toBeLessThanOrEqual(1);
    }
    expect(smtp.messages).toHaveLength(jobs.length);
  }, 120_000);
});
