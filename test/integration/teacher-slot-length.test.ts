import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Slot length per teacher. An admin gives one teacher 10-minute slots where the
 * event has 5; the teacher's slots are cut again. Appointments whose slot is not one of
 * the new ones move only once staff confirm, each to the new slot holding its old start
 * (or the next free one), through the booking door: a move the family could not keep
 * (a clash with its other appointment) refuses the whole change.
 */
let app: TestApp;
let school: SeededSchool;
let admin: string;
let date: string;

type Slot = { id: string; teacherId: string; startsAt: string; endsAt: string; state: string };
const ZONE = 'Europe/London';
const hm = (iso: string) =>
  new Date(iso).toLocaleTimeString('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'TLEN', teachers: 4, families: 8 });
  admin = await loginStaff(app, school.admin.email);
  const first = (await slotsOf(school.teachers[0]!.id))[0]!;
  date = new Date(first.startsAt).toLocaleDateString('en-CA', { timeZone: ZONE });
});
afterAll(() => app?.close());

async function slotsOf(id: string): Promise<Slot[]> {
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  return res.body.slots
    .filter((s: Slot) => s.teacherId === id)
    .sort((a: Slot, b: Slot) => a.startsAt.localeCompare(b.startsAt));
}
const setLength = (teacherId: string, body: Record<string, unknown>, token = admin) =>
  app.api('PUT', `/api/v1/admin/events/${school.eventId}/teachers/${teacherId}/availability`, {
    token,
    body: { room: 'B1', windows: [{ date, from: '16:00', to: '19:00' }], ...body },
  });
const at = (slots: Slot[], time: string) => slots.find((s) => hm(s.startsAt) === time)!;
const bookingTimes = async (ids: string[]) =>
  (
    await app.db.query<{ id: string; starts_at: Date; ends_at: Date; status: string }>(
      'SELECT id, starts_at, ends_at, status FROM bookings WHERE id = ANY($1::uuid[]) ORDER BY starts_at',
      [ids],
    )
  ).rows.map((r) => ({
    id: r.id,
    at: `${hm(r.starts_at.toISOString())}–${hm(r.ends_at.toISOString())}`,
    status: r.status,
  }));

/** Two children (or one child) of different families taught by one teacher. */
function twoPupilsOf(teacherId: string) {
  const out: { familyId: string; studentId: string }[] = [];
  for (const f of school.families)
    for (const s of f.studentIds)
      if (
        school.students.find((x) => x.id === s)!.teacherIds.includes(teacherId) &&
        !out.some((o) => o.familyId === f.id)
      )
        out.push({ familyId: f.id, studentId: s });
  return out.slice(0, 2);
}

describe('slot length per teacher', () => {
  it('lists the appointments a new length would move and changes nothing until staff confirm; then moves them', async () => {
    const teacher = school.teachers[0]!;
    const before = await slotsOf(teacher.id);
    expect(before).toHaveLength(36);
    const [a, b] = twoPupilsOf(teacher.id);
    const first = await bookOnBehalf(app, admin, school, at(before, '16:05').id, a!.familyId, a!.studentId);
    const second = await bookOnBehalf(app, admin, school, at(before, '16:30').id, b!.familyId, b!.studentId);
    const view = await app.api('GET', `/api/v1/admin/events/${school.eventId}/availability`, {
      token: admin,
    });
    expect(view.body.teachers.find((t: any) => t.teacherId === teacher.id).slotMinutes).toBe(5);

    const refused = await setLength(teacher.id, { slotMinutes: 10 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('bookings_in_the_way');
    expect(refused.body.error.issues).toEqual([
      { path: `bookings.${first}`, message: `${date} 16:05–16:10 → 16:00–16:10` },
      { path: `bookings.${second}`, message: `${date} 16:30–16:35 → 16:30–16:40` },
    ]);
    expect(await slotsOf(teacher.id)).toEqual(before.map((s) => expect.objectContaining({ id: s.id })));
    expect((await app.db.query('SELECT 1 FROM teacher_slot_lengths')).rowCount).toBe(0);

    const done = await setLength(teacher.id, { slotMinutes: 10, confirmMoves: true });
    expect(done.status).toBe(200);
    expect(done.body.slots).toMatchObject({ moved: 2 });
    expect(done.body.availability.slotMinutes).toBe(10);
    const after = await slotsOf(teacher.id);
    expect(after).toHaveLength(18);
    expect(after.every((s) => Date.parse(s.endsAt) - Date.parse(s.startsAt) === 600_000)).toBe(true);
    expect(after.map((s) => hm(s.startsAt))).toEqual(
      Array.from(
        { length: 18 },
        (_, i) => `${String(16 + Math.floor(i / 6))}:${String((i % 6) * 10).padStart(2, '0')}`,
      ),
    );
    // Same bookings, still confirmed, at their new times; the families are told (outbox 'changed').
    expect(await bookingTimes([first, second])).toEqual([
      { id: first, at: '16:00–16:10', status: 'confirmed' },
      { id: second, at: '16:30–16:40', status: 'confirmed' },
    ]);
    const told = await app.db.query(
      `SELECT family_id FROM outbox WHERE topic = 'mail' AND mail_kind = 'changed' AND family_id = ANY($1::uuid[])`,
      [[a!.familyId, b!.familyId]],
    );
    expect(new Set(told.rows.map((r) => r.family_id))).toEqual(new Set([a!.familyId, b!.familyId]));
    const logged = await app.db.query(
      `SELECT booking_id FROM booking_log WHERE action = 'resized' AND booking_id = ANY($1::uuid[])`,
      [[first, second]],
    );
    expect(logged.rowCount).toBe(2);
    // Another teacher keeps the event's 5 minutes.
    expect(await slotsOf(school.teachers[1]!.id)).toHaveLength(36);
    // Saving again with the same length moves nothing.
    const again = await setLength(teacher.id, {});
    expect(again.status).toBe(200);
    expect(again.body.slots).toMatchObject({ moved: 0, created: 0, removed: 0 });
  });

  it('refuses the whole change when a moved appointment would clash with the family’s other one', async () => {
    const teacher = school.teachers[2]!;
    // Not teachers[0], whose slots the first test made 10 minutes long.
    const other = [school.teachers[1]!, school.teachers[3]!].find((t) =>
      school.students.some((s) => s.teacherIds.includes(teacher.id) && s.teacherIds.includes(t.id)),
    )!;
    const pupil = school.students.find(
      (s) => s.teacherIds.includes(teacher.id) && s.teacherIds.includes(other.id),
    )!;
    const family = school.families.find((f) => f.studentIds.includes(pupil.id))!;
    const mine = await slotsOf(teacher.id);
    const theirs = await slotsOf(other.id);
    // 17:10–17:15 moves to 17:00–17:15 with 15-minute slots, over the child's 17:00 with another teacher.
    const moving = await bookOnBehalf(app, admin, school, at(mine, '17:10').id, family.id, pupil.id);
    await bookOnBehalf(app, admin, school, at(theirs, '17:00').id, family.id, pupil.id);
    const res = await setLength(teacher.id, { slotMinutes: 15, confirmMoves: true });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('clash');
    expect(await slotsOf(teacher.id)).toHaveLength(36);
    expect(await bookingTimes([moving])).toEqual([{ id: moving, at: '17:10–17:15', status: 'confirmed' }]);
    expect(
      (await app.db.query('SELECT 1 FROM teacher_slot_lengths WHERE staff_id = $1', [teacher.id])).rowCount,
    ).toBe(0);
  });

  it('is the admins’ alone: a teacher setting their own times cannot change it', async () => {
    const teacher = school.teachers[3]!;
    await app.db.query(
      `UPDATE events SET availability_deadline_at = now() + interval '1 hour' WHERE id = $1`,
      [school.eventId],
    );
    const token = await loginStaff(app, teacher.email);
    const res = await app.api('PUT', `/api/v1/teacher/events/${school.eventId}/availability`, {
      token,
      body: { windows: [{ date, from: '16:00', to: '19:00' }], slotMinutes: 10 },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('only the school’s admins');
    const mine = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/availability`, { token });
    expect(mine.body.availability.slotMinutes).toBe(5);
    expect(await slotsOf(teacher.id)).toHaveLength(36);
  });
});
