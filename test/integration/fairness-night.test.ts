import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferMade, TeacherAbsent, TeacherRunningLate } from '../../protocol/fairness.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let smtp: TestSmtp;
let admin: string;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { families: 6, teachers: 3, teachersPerStudent: 3, siblingShare: 0 });
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['fairness', 'email'],
    env: { PUBLIC_URL: app.url },
  });
  admin = await loginStaff(app, school.admin.email);
  for (const [i, f] of school.families.entries())
    await app.db.query('UPDATE families SET email = $2 WHERE id = $1', [f.id, `night${i}@parents.test`]);
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

/** Books family i's first child with a teacher at the n-th slot of that teacher. */
async function book(i: number, teacherId: string, n: number, token: string) {
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at OFFSET $3 LIMIT 1',
    [school.eventId, teacherId, n],
  );
  const held = await app.api('POST', '/api/v1/holds', {
    token,
    body: { slotId: rows[0]!.id, studentId: school.families[i]!.studentIds[0] },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const ok = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: school.eventId, holdIds: [held.body.id] },
  });
  expect(ok.status).toBe(200);
  return held.body as { id: string; startsAt: string };
}

const mailTo = (addr: string, subject: RegExp) =>
  smtp.messages.some((m) => JSON.stringify(m.to ?? '').includes(addr) && subject.test(m.subject ?? ''));

describe('on the night', () => {
  it('running late reaches the affected families live and by e-mail, not the others, and shows on the itinerary', async () => {
    const late = school.teachers[0]!;
    const tokens = await Promise.all([0, 1].map((i) => loginFamily(app, school, i)));
    const booking = await book(0, late.id, 2, tokens[0]!);
    await book(1, school.teachers[1]!.id, 2, tokens[1]!);
    const heard: TeacherRunningLate[][] = [[], []];
    for (const k of [0, 1])
      (await app.socket(tokens[k]!)).on('teacher:running-late', (p) => heard[k]!.push(p));

    const teacherToken = await loginStaff(app, late.email);
    // A teacher may only mark themself late.
    const other = await app.api(
      'PUT',
      `/api/v1/events/${school.eventId}/teachers/${school.teachers[1]!.id}/running-late`,
      {
        token: teacherToken,
        body: { minutes: 5 },
      },
    );
    expect(other.status).toBe(403);
    const res = await app.api('PUT', `/api/v1/events/${school.eventId}/teachers/${late.id}/running-late`, {
      token: teacherToken,
      body: { minutes: 10 },
    });
    expect(res.status).toBe(200);
    expect(res.body.affected).toBe(1);

    await expect.poll(() => heard[0]!.length, { timeout: 5000 }).toBe(1);
    const expectedAt = new Date(Date.parse(booking.startsAt) + 10 * 60_000).toISOString();
    expect(heard[0]![0]!.meetings).toEqual([
      { bookingId: booking.id, startsAt: booking.startsAt, expectedAt },
    ]);
    const itinerary = await app.api('GET', `/api/v1/events/${school.eventId}/itinerary/expected`, {
      token: tokens[0]!,
    });
    expect(itinerary.body.meetings).toEqual([
      expect.objectContaining({ bookingId: booking.id, expectedAt, delayMinutes: 10 }),
    ]);
    await expect
      .poll(() => mailTo('night0@parents.test', /running 10 minutes late/), { timeout: 10_000 })
      .toBe(true);
    expect(heard[1]).toHaveLength(0);
    expect(mailTo('night1@parents.test', /running/)).toBe(false);

    // The delay clears itself at its end: a short one, run by the fairness worker.
    const until = new Date(Date.now() + 1500).toISOString();
    await app.api('PUT', `/api/v1/events/${school.eventId}/teachers/${late.id}/running-late`, {
      token: teacherToken,
      body: { minutes: 5, until },
    });
    await expect.poll(() => heard[0]!.at(-1)?.minutes, { timeout: 10_000 }).toBe(0);
    const cleared = await app.api('GET', `/api/v1/events/${school.eventId}/itinerary/expected`, {
      token: tokens[0]!,
    });
    expect(cleared.body.meetings[0].delayMinutes).toBe(0);
  });

  it('absence cancels the right bookings with notice; cover offers race to the constraints and one wins', async () => {
    const absent = school.teachers[2]!;
    const cover = school.teachers[1]!;
    const tokens = await Promise.all([2, 3, 4].map((i) => loginFamily(app, school, i)));
    const b2 = await book(2, absent.id, 5, tokens[0]!);
    const b3 = await book(3, absent.id, 7, tokens[1]!);
    // Family 4 sees another teacher only: not affected.
    await book(4, school.teachers[0]!.id, 9, tokens[2]!);
    // The cover teacher has a single free slot left, so both families are offered the same one.
    const { rows: coverSlots } = await app.db.query<{ id: string }>(
      `SELECT s.id FROM slots s WHERE s.staff_id = $1 AND NOT EXISTS (
         SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('held', 'confirmed')) ORDER BY s.starts_at`,
      [cover.id],
    );
    const keep = coverSlots.at(-1)!.id;
    await app.db.query('UPDATE slots SET blocked = true WHERE staff_id = $1 AND id <> $2', [cover.id, keep]);

    const absentHeard: TeacherAbsent[][] = [[], [], []];
    const offers: OfferMade[][] = [[], [], []];
    for (const k of [0, 1, 2]) {
      const s = await app.socket(tokens[k]!);
      s.on('teacher:absent', (p) => absentHeard[k]!.push(p));
      s.on('offer:made', (o) => offers[k]!.push(o));
    }
    const res = await app.api('POST', `/api/v1/events/${school.eventId}/teachers/${absent.id}/absence`, {
      token: admin,
      body: { wholeEvening: true, coverTeacherId: cover.id },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect([...res.body.cancelledBookingIds].sort()).toEqual([b2.id, b3.id].sort());
    expect(res.body.coverOffers).toBe(2);

    await expect.poll(() => absentHeard[0]!.length + absentHeard[1]!.length, { timeout: 5000 }).toBe(2);
    expect(absentHeard[0]![0]!.cancelledBookingIds).toEqual([b2.id]);
    expect(absentHeard[2]).toHaveLength(0);
    await expect.poll(() => offers[0]!.length + offers[1]!.length, { timeout: 5000 }).toBe(2);
    expect(offers[0]![0]!.slotId).toBe(keep);
    expect(offers[1]![0]!.slotId).toBe(keep);
    const { rows: states } = await app.db.query<{ status: string }>(
      'SELECT status FROM bookings WHERE id = ANY($1::uuid[])',
      [[b2.id, b3.id]],
    );
    expect(states.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    await expect.poll(() => mailTo('night2@parents.test', /cancelled/i), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => mailTo('night3@parents.test', /cancelled/i), { timeout: 10_000 }).toBe(true);
    expect(mailTo('night4@parents.test', /cancelled/i)).toBe(false);

    const [a, b] = await Promise.all([
      app.api('POST', `/api/v1/offers/${offers[0]![0]!.id}/accept`, { token: tokens[0]! }),
      app.api('POST', `/api/v1/offers/${offers[1]![0]!.id}/accept`, { token: tokens[1]! }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('slot_taken');
    const { rowCount } = await app.db.query(
      `SELECT 1 FROM bookings WHERE slot_id = $1 AND status = 'confirmed'`,
      [keep],
    );
    expect(rowCount).toBe(1);
  });
});
