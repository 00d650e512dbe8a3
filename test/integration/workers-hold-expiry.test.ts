import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIds } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startTestWorkers } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;

beforeAll(async () => {
  app = await startTestApp();
  // The shortest hold the schema allows, so a real expiry happens within the test.
  school = await seedSmallSchool(app, { holdSeconds: 10 });
  workers = await startTestWorkers(app, { only: ['hold-expiry'] });
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
});

async function holdFor(familyIndex: number) {
  const token = await loginFamily(app, school, familyIndex);
  const fam = school.families[familyIndex]!;
  const studentId = fam.studentIds[0]!;
  const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const slot = (snap.body.slots as { id: string; teacherId: string; state: string }[]).find(
    (s) => s.teacherId === teacherIds[0] && s.state === 'free',
  )!;
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
  expect(held.status).toBe(200);
  return {
    token,
    slotId: slot.id,
    bookingId: held.body.id as string,
    expiresAt: new Date(held.body.expiresAt),
  };
}

async function statusOf(bookingId: string) {
  const { rows } = await app.db.query('SELECT status FROM bookings WHERE id = $1', [bookingId]);
  return rows[0]?.status as string;
}

async function eventState() {
  const { rows } = await app.db.query(
    `SELECT (SELECT coalesce(max(version), 0)::bigint FROM slots s WHERE s.event_id = e.id) AS version,
            (SELECT count(*)::int FROM booking_log l WHERE l.event_id = e.id) AS log
       FROM events e WHERE e.id = $1`,
    [school.eventId],
  );
  return rows[0] as { version: number; log: number };
}

describe('hold expiry worker', () => {
  let lapsed: Awaited<ReturnType<typeof holdFor>>;
  let kept: Awaited<ReturnType<typeof holdFor>>;

  it('releases a lapsed hold live to another socket, and leaves a hold confirmed just in time booked', async () => {
    const watcher = await app.socket(await loginFamily(app, school, 5));
    const joined = await ask(watcher, 'event:join', { eventId: school.eventId });
    expect(joined.ok).toBe(true);
    const released: { slot: { id: string; state: string }; reason: string }[] = [];
    onSlotFact(watcher, (f) => f.kind === 'released' && released.push(f));

    lapsed = await holdFor(0);
    kept = await holdFor(1);
    // Confirm a moment before the second hold lapses.
    await new Promise((r) => setTimeout(r, kept.expiresAt.getTime() - Date.now() - 1500));
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token: kept.token,
      body: { eventId: school.eventId, holdIds: [kept.bookingId] },
    });
    expect(confirmed.status).toBe(200);

    await expect
      .poll(() => released.find((f) => f.slot.id === lapsed.slotId), { timeout: 15_000, interval: 100 })
      .toMatchObject({ reason: 'expired', slot: { state: 'free' } });
    expect(await statusOf(lapsed.bookingId)).toBe('expired');

    // The kept hold's own expiry job has run by now and found it confirmed.
    const { job } = await settled(app.holdQueue, jobIds.holdExpiry(kept.bookingId));
    expect(job.returnvalue).toBe('unchanged');
    expect(await statusOf(kept.bookingId)).toBe('confirmed');
    expect(released.some((f) => f.slot.id === kept.slotId)).toBe(false);
  });

  it('running the expiry job again changes nothing', async () => {
    const before = await eventState();
    for (const [i, b] of [lapsed, kept].entries()) {
      const id = `rerun-${i}`;
      await app.holdQueue.add('expire', { bookingId: b.bookingId, eventId: school.eventId }, { jobId: id });
      const { job, state } = await settled(app.holdQueue, id);
      expect(state).toBe('completed');
      expect(job.returnvalue).toBe('unchanged');
    }
    // The original job added a second time is the same job: no new run.
    await app.holdQueue.add(
      'expire',
      { bookingId: lapsed.bookingId, eventId: school.eventId },
      { jobId: jobIds.holdExpiry(lapsed.bookingId) },
    );
    expect(await eventState()).toEqual(before);
    expect(await statusOf(lapsed.bookingId)).toBe('expired');
    expect(await statusOf(kept.bookingId)).toBe('confirmed');
  });

  it('fails a malformed payload at once as unrecoverable, without retrying', async () => {
    await app.holdQueue.add('expire', { bookingId: 'not-a-uuid' } as never, {
      jobId: 'malformed-1',
      attempts: 5,
      backoff: { type: 'fixed', delay: 10 },
    });
    const { job, state } = await settled(app.holdQueue, 'malformed-1');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/malformed payload/);
  });
});
