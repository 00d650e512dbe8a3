import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher } from '../support/admin-fixtures.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Staff through the one door (docs/booking-door.md): what staff book, move,
 * block and cancel, and what an absence cancels and offers, passes the booking policy
 * with the named override 'staff' (or 'cover_offer'), and every change is in the log
 * with it.
 */
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'DOOR', name: 'Door School', teachers: 4, families: 8 });
  other = await seedSmallSchool(app, { code: 'DOOR2', name: 'Other Door', teachers: 2, families: 2 });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

async function freeSlotsOf(teacherId: string, eventId = school.eventId): Promise<string[]> {
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('held', 'confirmed'))
      ORDER BY s.starts_at`,
    [eventId, teacherId],
  );
  return rows.map((r) => r.id);
}

async function logOf(bookingId: string) {
  const { rows } = await app.db.query<{ action: string; actor_id: string; override: string | null }>(
    'SELECT action, actor_id, override FROM booking_log WHERE booking_id = $1 ORDER BY id',
    [bookingId],
  );
  return rows;
}

async function bookingRow(id: string) {
  const { rows } = await app.db.query('SELECT slot_id, status::text AS status FROM bookings WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

describe('staff through the booking door', () => {
  it('a staff booking outside the window is logged, hold and confirmation, with the override staff', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 0);
    await app.db.query(
      `UPDATE events SET booking_opens_at = now() - interval '3 days', booking_closes_at = now() - interval '1 hour'
        WHERE id = $1`,
      [school.eventId],
    );
    try {
      const slotId = (await freeSlotsOf(teacherId))[0]!;
      const id = await bookOnBehalf(app, admin, school, slotId, family.id, studentId);
      expect(await logOf(id)).toEqual([
        { action: 'held', actor_id: school.admin.id, override: 'staff' },
        { action: 'confirmed', actor_id: school.admin.id, override: 'staff' },
      ]);
      // A staff cancellation after the cut-off is staff acting outside the family rules too.
      const cancelled = await app.api('POST', `/api/v1/bookings/${id}/cancel`, { token: admin });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      expect((await logOf(id)).at(-1)).toEqual({
        action: 'cancelled',
        actor_id: school.admin.id,
        override: 'staff',
      });
    } finally {
      await app.db.query(
        `UPDATE events SET booking_opens_at = now() - interval '1 hour', booking_closes_at = now() + interval '2 days'
          WHERE id = $1`,
        [school.eventId],
      );
    }
  });

  it('an admin move is logged with the override staff', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 1);
    const [from, to] = await freeSlotsOf(teacherId);
    const id = await bookOnBehalf(app, admin, school, from!, family.id, studentId);
    const res = await app.api('POST', `/api/v1/admin/bookings/${id}/move`, {
      token: admin,
      body: { slotId: to },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const moved = (await logOf(id)).filter((r) => r.action === 'moved');
    expect(moved).toEqual([
      { action: 'moved', actor_id: school.admin.id, override: 'staff' },
      { action: 'moved', actor_id: school.admin.id, override: 'staff' },
    ]);
  });

  it("an admin move into another school's slot is refused and nothing changes", async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 2);
    const from = (await freeSlotsOf(teacherId))[0]!;
    const id = await bookOnBehalf(app, admin, school, from, family.id, studentId);
    const foreignSlot = (await freeSlotsOf(other.teachers[0]!.id, other.eventId))[0]!;
    const logBefore = await logOf(id);
    const res = await app.api('POST', `/api/v1/admin/bookings/${id}/move`, {
      token: admin,
      body: { slotId: foreignSlot },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(await bookingRow(id)).toEqual({ slot_id: from, status: 'confirmed' });
    expect(await logOf(id)).toEqual(logBefore);
    const { rowCount } = await app.db.query('SELECT 1 FROM bookings WHERE slot_id = $1', [foreignSlot]);
    expect(rowCount).toBe(0);
  });

  it('an admin move into a blocked slot is refused by the door (slot_taken) and nothing changes', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 3);
    const [from, to] = await freeSlotsOf(teacherId);
    const id = await bookOnBehalf(app, admin, school, from!, family.id, studentId);
    await app.db.query('UPDATE slots SET blocked = true WHERE id = $1', [to]);
    const res = await app.api('POST', `/api/v1/admin/bookings/${id}/move`, {
      token: admin,
      body: { slotId: to },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('slot_taken');
    expect(await bookingRow(id)).toEqual({ slot_id: from, status: 'confirmed' });
  });

  it('blocking a slot of an archived event is refused (window_closed) and nothing changes', async () => {
    const { teacherId } = familyWithTeacher(school, 4);
    const slotId = (await freeSlotsOf(teacherId)).at(-1)!;
    await app.db.query('UPDATE events SET archived_at = now() WHERE id = $1', [school.eventId]);
    try {
      const res = await app.api('POST', `/api/v1/slots/${slotId}/block`, {
        token: admin,
        body: { blocked: true },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('window_closed');
      const { rows } = await app.db.query('SELECT blocked FROM slots WHERE id = $1', [slotId]);
      expect(rows[0].blocked).toBe(false);
      const { rowCount } = await app.db.query('SELECT 1 FROM booking_log WHERE slot_id = $1', [slotId]);
      expect(rowCount).toBe(0);
    } finally {
      await app.db.query('UPDATE events SET archived_at = NULL WHERE id = $1', [school.eventId]);
    }
  });

  it("an absence in an archived event is refused and cancels nobody's appointment", async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 5);
    const slotId = (await freeSlotsOf(teacherId)).at(-1)!;
    const id = await bookOnBehalf(app, admin, school, slotId, family.id, studentId);
    await app.db.query('UPDATE events SET archived_at = now() WHERE id = $1', [school.eventId]);
    try {
      const res = await app.api('POST', `/api/v1/events/${school.eventId}/teachers/${teacherId}/absence`, {
        token: admin,
        body: { wholeEvening: true },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('window_closed');
      expect(await bookingRow(id)).toEqual({ slot_id: slotId, status: 'confirmed' });
      const { rowCount } = await app.db.query(
        'SELECT 1 FROM teacher_absences WHERE event_id = $1 AND staff_id = $2',
        [school.eventId, teacherId],
      );
      expect(rowCount).toBe(0);
    } finally {
      await app.db.query('UPDATE events SET archived_at = NULL WHERE id = $1', [school.eventId]);
    }
  });

  it('an absence offers a cover slot only where the door lets the family have it, and logs with staff', async () => {
    // Two families lose an appointment with the same teacher; one of them is no longer
    // the child's family (the school re-linked the child), so the door refuses it a cover slot.
    // Families no earlier test booked for, and a teacher both their children see.
    const pairs = [6, 7].map((i) => ({
      family: school.families[i]!,
      studentId: school.families[i]!.studentIds[0]!,
    }));
    const teachersOf = (studentId: string) => school.students.find((s) => s.id === studentId)!.teacherIds;
    const shared = teachersOf(pairs[0]!.studentId).filter((t) => teachersOf(pairs[1]!.studentId).includes(t));
    const absentTeacher = school.teachers.find((t) => t.id === shared[0])!;
    const cover = school.teachers.find((t) => t.id !== absentTeacher.id)!;
    const slots = await freeSlotsOf(absentTeacher.id);
    const ids: string[] = [];
    for (const [k, p] of pairs.entries())
      ids.push(await bookOnBehalf(app, admin, school, slots[k]!, p.family.id, p.studentId));
    await app.db.query('DELETE FROM family_students WHERE family_id = $1 AND student_id = $2', [
      pairs[1]!.family.id,
      pairs[1]!.studentId,
    ]);
    const res = await app.api(
      'POST',
      `/api/v1/events/${school.eventId}/teachers/${absentTeacher.id}/absence`,
      { token: admin, body: { wholeEvening: true, coverTeacherId: cover.id } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.cancelledBookingIds).toEqual(expect.arrayContaining(ids));
    const { rows: offers } = await app.db.query<{ family_id: string; replaces_booking_id: string }>(
      `SELECT family_id, replaces_booking_id FROM offers WHERE kind = 'cover' AND replaces_booking_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(offers).toEqual([{ family_id: pairs[0]!.family.id, replaces_booking_id: ids[0] }]);
    for (const id of ids)
      expect((await logOf(id)).at(-1)).toEqual({
        action: 'cancelled',
        actor_id: school.admin.id,
        override: 'staff',
      });
  });
});
