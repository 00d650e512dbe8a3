import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../protocol/jobs.ts';
import { CONFIRMATION_GRACE_MS } from '../../server/src/features/booking/confirmation-grace.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { createDb, type Db } from '../../server/src/infra/db.ts';
import { createMailer } from '../../server/src/infra/mailer.ts';
import { holdExpiryScheduler } from '../../server/src/wiring/queues.ts';
import { type RunningWorkers, startWorkers } from '../../workers/start-workers.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 12, end to end: a confirmation that reached the server while its hold was
// live, then waited for a database connection, was answered hold_expired — by the
// pre-check before admission (it read `now()` after the wait), or because the expiry
// job or the lapsed-hold sweep ended the hold meanwhile. Here the server has one
// connection; the workers have their own pool, as they do in production.
let app: TestApp;
let school: SeededSchool;
let workersDb: Db;
let workers: RunningWorkers;

beforeAll(async () => {
  app = await startTestApp({ DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '8000' });
  school = await seedSmallSchool(app);
  workersDb = createDb(app.database.url, 4);
  workers = await startWorkers({
    config: { ...app.config, HOLD_SWEEP_SECONDS: 0.2 },
    db: workersDb,
    logger: pino({ level: 'silent' }),
    mailer: createMailer('smtp://127.0.0.1:9', app.config.MAIL_FROM),
    only: [QUEUES.holdExpiry],
    holdSweep: true,
  });
});
afterAll(async () => {
  await workers?.close();
  await workersDb?.end();
  await app?.close();
});

async function hold(familyIndex: number) {
  const token = await loginFamily(app, school, familyIndex);
  const fam = school.families[familyIndex]!;
  const studentId = fam.studentIds[0]!;
  const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
  const av = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const slot = av.body.slots.find(
    (s: { teacherId: string; state: string }) => teacherIds.includes(s.teacherId) && s.state === 'free',
  );
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
  expect(held.status).toBe(200);
  return { token, bookingId: held.body.id as string };
}

async function statusOf(bookingId: string) {
  const { rows } = await workersDb.query('SELECT status FROM bookings WHERE id = $1', [bookingId]);
  return rows[0]?.status as string;
}

describe('a confirmation that arrived in time', () => {
  it('is confirmed over HTTP after waiting for the only connection past its hold, while the expiry job and the sweep run', async () => {
    const { token, bookingId } = await hold(0);
    const { rows } = await app.db.query<{ expires_at: Date }>(
      `UPDATE bookings SET expires_at = now() + interval '1 second' WHERE id = $1 RETURNING expires_at`,
      [bookingId],
    );
    // An expiry job due at the lapse itself, as jobs were scheduled before the grace:
    // it must not end a hold whose confirmation may still be waiting.
    await holdExpiryScheduler(app.holdQueue, 0).schedule({
      bookingId,
      eventId: school.eventId,
      expiresAt: rows[0]!.expires_at,
      extension: 1,
    });

    const busy = await app.db.connect();
    let released = false;
    try {
      const confirming = app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId, holdIds: [bookingId] },
      });
      // The hold lapses while the request waits; the job and a dozen sweeps pass it by.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await statusOf(bookingId)).toBe('held');
      busy.release();
      released = true;
      const res = await confirming;
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.bookings).toMatchObject([{ id: bookingId, status: 'confirmed' }]);
    } finally {
      if (!released) busy.release();
    }
    expect(await statusOf(bookingId)).toBe('confirmed');
    const log = await workersDb.query(`SELECT action FROM booking_log WHERE booking_id = $1 ORDER BY id`, [
      bookingId,
    ]);
    expect(log.rows.map((r) => r.action)).toEqual(['held', 'confirmed']);
  });

  it('a hold past the grace is still ended by the sweep, and then refused', async () => {
    const { token, bookingId } = await hold(1);
    await app.db.query(
      `UPDATE bookings SET expires_at = now() - $2 * interval '1 millisecond' WHERE id = $1`,
      [bookingId, CONFIRMATION_GRACE_MS + 1000],
    );
    await expect.poll(() => statusOf(bookingId), { timeout: 5000, interval: 100 }).toBe('expired');
    const res = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [bookingId] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('hold_expired');
  });
});
