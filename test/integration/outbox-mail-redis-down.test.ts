import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

// Finding 3 of issue 12: with Redis down at the moment of the commit, the mail the
// commit promised was enqueued by nobody and lost. It is written to the outbox in the
// booking's own transaction now, and relayed once Redis is back.
let redis: PrivateRedis;
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;

beforeAll(async () => {
  redis = await startPrivateRedis();
  smtp = await startSmtp();
  app = await startTestApp(
    {
      REDIS_URL: redis.url,
      EMAIL_BACKOFF_MS: '100',
      // The write path must not need Redis for this test: no admission bucket, no slot lock.
      ADMISSION_RATE: '0',
      ADMISSION_MAX_WAITING: '0',
      SLOT_LOCK_ENABLED: 'false',
    },
    { hooks: workerHooks },
  );
  school = await seedSmallSchool(app);
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['email'],
    env: { OUTBOX_POLL_MS: 100, OUTBOX_MAIL_RECHECK_MS: 200 },
  });
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
  redis?.kill();
});

const mailsTo = (address: string): ParsedMail[] =>
  smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

describe('booking mail while Redis is down', () => {
  it('a confirmation committed while Redis is unreachable is mailed exactly once when Redis is back', async () => {
    const index = school.families.findIndex((f) => f.email !== null);
    const fam = school.families[index]!;
    const token = await loginFamily(app, school, index);
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    const slot = (snap.body.slots as { id: string; teacherId: string; state: string }[]).find(
      (s) => s.teacherId === teacherId && s.state === 'free',
    )!;
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    expect(held.status).toBe(200);

    redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [held.body.id] },
    });
    expect(confirmed.status).toBe(200);
    // Redis stays away as long as in the fault run (5 s): longer than any client keeps
    // a command queued. Nothing may be sent meanwhile, and nothing may be lost.
    await new Promise((r) => setTimeout(r, 5000));
    expect(mailsTo(fam.email!)).toHaveLength(0);

    await redis.restart();
    await expect.poll(() => mailsTo(fam.email!).length, { timeout: 20_000, interval: 100 }).toBe(1);
    expect(mailsTo(fam.email!)[0]!.subject).toContain('Your appointments');
    // Relay rounds go on; the mail stays one.
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(fam.email!)).toHaveLength(1);
    // The row stays until its job has run (migration 018), then goes.
    await expect
      .poll(
        async () =>
          (await app.db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'mail'`)).rows[0].n,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(0);
  }, 60_000);
});
