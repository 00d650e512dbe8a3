import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// A confirmation is a booking change and passes the one booking policy
// (confer_booking_refusal, docs/booking-door.md). Before migration 014 it checked the
// window only, so a hold staff made while a fair start collected requests could be
// confirmed by the family before the draw.
let app: TestApp;
let school: SeededSchool;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

async function staffHoldFor(familyIndex: number) {
  const fam = school.families[familyIndex]!;
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const av = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  const slot = av.body.slots.find(
    (s: { teacherId: string; state: string }) => s.teacherId === teacherId && s.state === 'free',
  );
  const held = await app.api('POST', '/api/v1/holds', {
    token: admin,
    body: { slotId: slot.id, studentId, familyId: fam.id },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  return held.body.id as string;
}

async function statusOf(bookingId: string) {
  const { rows } = await app.db.query('SELECT status FROM bookings WHERE id = $1', [bookingId]);
  return rows[0]?.status as string;
}

describe('confirmation through the booking policy', () => {
  it('a family cannot confirm a staff-made hold while the fair start collects; staff can', async () => {
    await app.db.query(
      `UPDATE events SET booking_mode = 'fair_start', fair_allocated_at = NULL, fair_window_seconds = 7200,
              booking_opens_at = now() - interval '1 minute' WHERE id = $1`,
      [school.eventId],
    );
    // Staff may hold during the collection (the named override 'staff').
    const first = await staffHoldFor(0);
    const second = await staffHoldFor(1);

    const token = await loginFamily(app, school, 0);
    const refused = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [first] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('fair_start_pending');
    expect(await statusOf(first)).toBe('held');

    // Staff confirming for the family pass the override, and it is logged.
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token: admin,
      body: { eventId: school.eventId, holdIds: [second], familyId: school.families[1]!.id },
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(await statusOf(second)).toBe('confirmed');
    const { rows } = await app.db.query(
      `SELECT override FROM booking_log WHERE booking_id = $1 AND action = 'confirmed'`,
      [second],
    );
    expect(rows).toEqual([{ override: 'staff' }]);
  });

  it('once the draw is done the family confirms the hold', async () => {
    const hold = await staffHoldFor(2);
    await app.db.query(`UPDATE events SET fair_allocated_at = now() WHERE id = $1`, [school.eventId]);
    const token = await loginFamily(app, school, 2);
    const res = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [hold] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await statusOf(hold)).toBe('confirmed');
  });

  it('a family confirming a hold for a child whose cap is already reached is refused', async () => {
    // Staff hold for a child, then the cap is lowered under it: the family's
    // confirmation asks the cap again (the hold itself not counted).
    const fam = school.families[3]!;
    const studentId = fam.studentIds[0]!;
    const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
    const av = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
    type Slot = { id: string; teacherId: string; state: string };
    const free = (t: string) =>
      (av.body.slots as Slot[]).filter((s) => s.teacherId === t && s.state === 'free');
    // The first of one teacher's and the last of another's: far apart, no clash or gap.
    const slots = [free(teacherIds[0]!)[0]!.id, free(teacherIds[1]!).at(-1)!.id];
    const token = await loginFamily(app, school, 3);
    const a = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slots[0], studentId } });
    const b = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slots[1], studentId } });
    expect([a.status, b.status]).toEqual([200, 200]);
    await app.db.query(`UPDATE events SET max_per_student = 1 WHERE id = $1`, [school.eventId]);
    const res = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [a.body.id, b.body.id] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('cap_reached');
    expect([await statusOf(a.body.id), await statusOf(b.body.id)]).toEqual(['held', 'held']);
  });
});
