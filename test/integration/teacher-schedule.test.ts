import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, recordAll } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let teacherToken: string;
let teacherId: string;
/** Families (by index) with a child taught by `teacherId`, and their bookings with that teacher. */
const booked: { index: number; familyId: string; studentId: string; bookingId: string; slotId: string }[] =
  [];

const NOTE = 'Discussed reading support; follow up re SENCo — PRIVATE-7f3a';

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School', teachers: 2, families: 2 });
  admin = await loginStaff(app, school.admin.email);
  // The teacher with the most pupils in this small school.
  const counts = new Map<string, number>();
  for (const s of school.students) for (const t of s.teacherIds) counts.set(t, (counts.get(t) ?? 0) + 1);
  teacherId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  teacherToken = await loginStaff(app, school.teachers.find((t) => t.id === teacherId)!.email);

  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  const slots = snap.body.slots
    .filter((s: any) => s.teacherId === teacherId)
    .sort((a: any, b: any) => a.startsAt.localeCompare(b.startsAt));
  // Book in reverse time order, so the schedule's order is the server's doing.
  let slotIndex = 9;
  for (const [index, f] of school.families.entries()) {
    const studentId = f.studentIds.find((id) =>
      school.students.find((s) => s.id === id)!.teacherIds.includes(teacherId),
    );
    if (!studentId || booked.length === 3) continue;
    const slot = slots[slotIndex]!;
    slotIndex -= 3;
    const bookingId = await bookOnBehalf(app, admin, school, slot.id, f.id, studentId);
    booked.push({ index, familyId: f.id, studentId, bookingId, slotId: slot.id });
  }
  expect(booked.length).toBeGreaterThanOrEqual(2);
});
afterAll(() => app?.close());

describe('a teacher’s evening', () => {
  it('lists every slot in time order with family surname, child, time and room', async () => {
    const res = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/schedule`, {
      token: teacherToken,
    });
    expect(res.status).toBe(200);
    expect(res.body.timeZone).toBe('Europe/London');
    expect(res.body.teacher.id).toBe(teacherId);
    const entries = res.body.entries as any[];
    expect(entries.map((e) => e.startsAt)).toEqual([...entries.map((e) => e.startsAt)].sort());
    const withAppointments = entries.filter((e) => e.appointment);
    expect(withAppointments.map((e) => e.slotId)).toEqual([...booked].reverse().map((b) => b.slotId));
    for (const b of booked) {
      const e = entries.find((x) => x.slotId === b.slotId);
      const fam = school.families[b.index]!;
      const child = school.students.find((s) => s.id === b.studentId)!;
      expect(e).toMatchObject({ state: 'booked', room: res.body.teacher.room });
      expect(e.appointment).toMatchObject({
        bookingId: b.bookingId,
        familySurname: fam.surname,
        studentName: child.name,
        status: 'confirmed',
        note: '',
      });
      expect(e.appointment.yearGroup).toMatch(/^Year \d+$/);
    }
    expect(entries.filter((e) => !e.appointment).every((e) => e.state === 'free')).toBe(true);
  });

  it('shows a new booking when it is made, and a teacher only ever sees their own slots', async () => {
    const anotherTeacher = school.teachers.find((t) => t.id !== teacherId)!;
    const theirs = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/schedule`, {
      token: await loginStaff(app, anotherTeacher.email),
    });
    expect(theirs.status).toBe(200);
    expect(theirs.body.teacher.id).toBe(anotherTeacher.id);
    const mySlots = new Set(booked.map((b) => b.slotId));
    expect(theirs.body.entries.some((e: any) => mySlots.has(e.slotId))).toBe(false);

    const asAdmin = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/teachers/${teacherId}/schedule`,
      {
        token: admin,
      },
    );
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.entries.filter((e: any) => e.appointment)).toHaveLength(booked.length);
    const teacherAsAdmin = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/teachers/${teacherId}/schedule`,
      { token: teacherToken },
    );
    expect(teacherAsAdmin.status).toBe(403);
  });

  it('refuses families, non-teaching staff, and another school’s event', async () => {
    const family = await loginFamily(app, school, 0);
    expect(
      (await app.api('GET', `/api/v1/teacher/events/${school.eventId}/schedule`, { token: family })).status,
    ).toBe(403);
    // The seeded admin is not a teacher.
    const adminOwn = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/schedule`, {
      token: admin,
    });
    expect(adminOwn.status).toBe(403);
    const foreign = await app.api('GET', `/api/v1/teacher/events/${other.eventId}/schedule`, {
      token: teacherToken,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('private notes', () => {
  it('the teacher writes and reads a note; it shows in their schedule; admins can read and edit it', async () => {
    const b = booked[0]!;
    const put = await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
      token: teacherToken,
      body: { body: NOTE },
      headers: { 'idempotency-key': 'note-first-write' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ bookingId: b.bookingId, body: NOTE, updatedBy: { id: teacherId } });
    const again = await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
      token: teacherToken,
      body: { body: NOTE },
      headers: { 'idempotency-key': 'note-first-write' },
    });
    expect(again.body).toEqual(put.body);

    const got = await app.api('GET', `/api/v1/bookings/${b.bookingId}/note`, { token: teacherToken });
    expect(got.body.body).toBe(NOTE);
    const schedule = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/schedule`, {
      token: teacherToken,
    });
    expect(schedule.body.entries.find((e: any) => e.slotId === b.slotId).appointment.note).toBe(NOTE);

    const byAdmin = await app.api('GET', `/api/v1/bookings/${b.bookingId}/note`, { token: admin });
    expect(byAdmin.body.body).toBe(NOTE);
    const edited = await app.api('PUT', `/api/v1/bookings/${booked[1]!.bookingId}/note`, {
      token: admin,
      body: { body: 'Admin: parent asked for an interpreter' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.updatedBy.id).toBe(school.admin.id);
    const teacherSees = await app.api('GET', `/api/v1/bookings/${booked[1]!.bookingId}/note`, {
      token: teacherToken,
    });
    expect(teacherSees.body.body).toBe('Admin: parent asked for an interpreter');

    const tooLong = await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
      token: teacherToken,
      body: { body: 'x'.repeat(2001) },
    });
    expect(tooLong.status).toBe(400);
    expect(
      (await app.api('GET', `/api/v1/bookings/${b.bookingId}/note`, { token: teacherToken })).body.body,
    ).toBe(NOTE);
  });

  it('another teacher, another school’s admin and the family itself cannot read or write it', async () => {
    const b = booked[0]!;
    const anotherTeacher = await loginStaff(app, school.teachers.find((t) => t.id !== teacherId)!.email);
    const otherAdmin = await loginStaff(app, other.admin.email);
    for (const token of [anotherTeacher, otherAdmin]) {
      const read = await app.api('GET', `/api/v1/bookings/${b.bookingId}/note`, { token });
      expect(read.status).toBe(404);
      expect(JSON.stringify(read.body)).not.toContain('PRIVATE-7f3a');
      const write = await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
        token,
        body: { body: 'overwritten' },
      });
      expect(write.status).toBe(404);
    }
    const family = await loginFamily(app, school, b.index);
    const read = await app.api('GET', `/api/v1/bookings/${b.bookingId}/note`, { token: family });
    expect(read.status).toBe(403);
    expect(JSON.stringify(read.body)).not.toContain('PRIVATE-7f3a');
    const write = await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
      token: family,
      body: { body: 'overwritten' },
    });
    expect(write.status).toBe(403);
    const { rows } = await app.db.query('SELECT body FROM booking_notes WHERE booking_id = $1', [
      b.bookingId,
    ]);
    expect(rows).toEqual([{ body: NOTE }]);
  });

  it('never reaches the family: not through any endpoint it can call, nor any socket fact', async () => {
    const b = booked[0]!;
    const family = await loginFamily(app, school, b.index);
    const socket = await app.socket(family);
    const seen = recordAll(socket);
    const joined = await ask(socket, 'event:join', { eventId: school.eventId });
    expect(joined.ok).toBe(true);

    // Everything that happens to the appointment afterwards reaches the family's socket.
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
    // The teacher's last slot: nothing after it, so it can be lengthened.
    const free = snap.body.slots
      .filter((s: any) => s.teacherId === teacherId && s.state === 'free')
      .sort((x: any, y: any) => x.startsAt.localeCompare(y.startsAt))
      .at(-1);
    const moved = await app.api('POST', `/api/v1/admin/bookings/${b.bookingId}/move`, {
      token: admin,
      body: { slotId: free.id },
    });
    expect(moved.status).toBe(200);
    await app.api('PUT', `/api/v1/bookings/${b.bookingId}/note`, {
      token: teacherToken,
      body: { body: `${NOTE} (updated)` },
    });
    const longer = await app.api('POST', `/api/v1/admin/slots/${free.id}/lengthen`, {
      token: admin,
      body: { minutes: 1 },
    });
    expect(longer.status).toBe(200);
    await expect
      .poll(() => seen.filter((e) => e.event === 'itinerary:changed').length)
      .toBeGreaterThanOrEqual(2);

    const responses = [
      joined,
      ...(await Promise.all(
        [
          '/api/v1/me',
          '/api/v1/events',
          `/api/v1/events/${school.eventId}`,
          `/api/v1/events/${school.eventId}/availability`,
          `/api/v1/events/${school.eventId}/bookings/mine`,
          `/api/v1/bookings/${b.bookingId}/note`,
          `/api/v1/teacher/events/${school.eventId}/schedule`,
          `/api/v1/admin/events/${school.eventId}/teachers/${teacherId}/schedule`,
          `/api/v1/admin/events/${school.eventId}/families/${b.familyId}/bookings`,
          `/api/v1/admin/events/${school.eventId}/reports/bookings.csv`,
        ].map((path) => app.api('GET', path, { token: family }).then((r) => r.body)),
      )),
      await app.api('POST', `/api/v1/bookings/${b.bookingId}/cancel`, { token: family }).then((r) => r.body),
    ];
    // The family's own itinerary does show the booking (so the check above is not vacuous)…
    const itinerary = responses[5] as any;
    expect(itinerary.bookings.map((x: BookingView) => x.id)).toContain(b.bookingId);
    expect(seen.some((e) => e.event === 'slot:facts' && e.payload.kind === 'changed')).toBe(true);
    // …but no answer and no socket payload ever carries the note.
    const everything = JSON.stringify([responses, seen]);
    expect(everything).not.toContain('PRIVATE-7f3a');
    expect(everything).not.toContain('reading support');

    // The teacher's own socket stream does not carry notes either: they come from the schedule only.
    const teacherSocket = await app.socket(teacherToken);
    const teacherSeen = recordAll(teacherSocket);
    await app.api('POST', `/api/v1/admin/slots/${free.id}/lengthen`, { token: admin, body: { minutes: 1 } });
    await expect
      .poll(() => teacherSeen.some((e) => e.event === 'slot:facts' && e.payload.kind === 'changed'))
      .toBe(true);
    expect(JSON.stringify(teacherSeen)).not.toContain('PRIVATE-7f3a');
  });
});
