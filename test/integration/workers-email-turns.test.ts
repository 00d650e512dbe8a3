import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * A family's booking mails about one event take turns (sent-log.ts). Waiting for the
 * turn must not spend the job's attempts: with few attempts and a short back-off, the
 * mails of a family that confirmed three appointments one after another, while the
 * relay took 3 s over the first, failed for good before the first was accepted —
 * the family never heard of two of them (the chaos run counted 30 such).
 */
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let emailQueue: Queue<EmailJob>;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100', EMAIL_ATTEMPTS: '2' }, { hooks: workerHooks });
  school = await seedSmallSchool(app);
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

describe("waiting for a family's turn", () => {
  it('spends no attempt: three confirmations behind a slow relay all reach the family', async () => {
    const index = school.families.findIndex((f) => f.email && f.studentIds.length > 0);
    const fam = school.families[index]!;
    const token = await loginFamily(app, school, index);
    const studentId = fam.studentIds[0]!;
    const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    const slots = snap.body.slots as { id: string; teacherId: string; state: string; startsAt: string }[];
    const used = new Set<string>();
    const bookingIds: string[] = [];
    smtp.holdNextMs = 3000;
    for (const [k, teacherId] of teacherIds.slice(0, 3).entries()) {
      // Times far enough apart that the family's own appointments never clash.
      const slot = slots.filter(
        (s) => s.teacherId === teacherId && s.state === 'free' && !used.has(s.startsAt),
      )[k * 6]!;
      used.add(slot.startsAt);
      const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
      expect(held.status, JSON.stringify(held.body)).toBe(200);
      const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId, holdIds: [held.body.id] },
      });
      expect(confirmed.status).toBe(200);
      bookingIds.push(held.body.id);
    }
    // Every booking is in some calendar file the family received.
    const shown = () => {
      const uids = new Set<string>();
      for (const m of smtp.messages.filter((x) => JSON.stringify(x.to).includes(fam.email!)))
        for (const a of m.attachments)
          for (const u of a.content.toString('utf8').matchAll(/^UID:([0-9a-f-]{36})@/gm)) uids.add(u[1]!);
      return bookingIds.filter((id) => uids.has(id)).length;
    };
    await expect.poll(shown, { timeout: 30_000, interval: 200 }).toBe(3);
    expect((await emailQueue.getJobCounts('failed')).failed).toBe(0);
  }, 60_000);
});
