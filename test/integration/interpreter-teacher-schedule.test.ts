import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeacherSchedule } from '../../protocol/admin.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { MailService } from '../../server/src/features/mail/mail.service.ts';
import type { Mailer, OutgoingMail } from '../../server/src/infra/mailer.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18: the teacher is told who interprets each meeting that has an interpreter —
// on the schedule (the teacher's own and the admin's view of it), the printed
// schedules, the CSV and the morning's mail — and null for a meeting without one.
// Another school's interpreter, speaking the same language at the same hours, never
// appears.
const ZONE = 'Europe/London';
const evening = `${DateTime.now().setZone(ZONE).year + 1}-11-30`;
const OURS = 'Ola Nowak';
const THEIRS = 'Zofia Obca';
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let teacherId: string;
let teacherToken: string;
/** The meeting of the family that needs a Polish interpreter, and one of a family that needs none. */
let withInterpreter: { bookingId: string; slotId: string };
let without: { bookingId: string; slotId: string };
let theirs: { bookingId: string; teacherId: string };

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

/** An interpreter of the school speaking Polish who sits the whole evening. */
async function polishInterpreter(s: SeededSchool, token: string, name: string): Promise<string> {
  const made = await api('POST', '/admin/interpreters', token, { name, languages: ['pl'] });
  expect(made.status, JSON.stringify(made.body)).toBe(200);
  const windows = await api('PUT', `/admin/events/${s.eventId}/interpreters/${made.body.id}/windows`, token, {
    windows: [{ date: evening, from: '16:00', to: '17:00' }],
  });
  expect(windows.status, JSON.stringify(windows.body)).toBe(200);
  return made.body.id;
}

/** Books a family's child (taught by `teacher`) into that teacher's n-th free slot, as an admin. */
async function book(s: SeededSchool, token: string, familyIndex: number, teacher: string, n: number) {
  const family = s.families[familyIndex]!;
  const studentId = family.studentIds.find((id) =>
    s.students.find((st) => st.id === id)!.teacherIds.includes(teacher),
  )!;
  const snap = await api('GET', `/events/${s.eventId}/availability`, token);
  const slot = snap.body.slots
    .filter((x: { teacherId: string; state: string }) => x.teacherId === teacher && x.state === 'free')
    .sort((a: { startsAt: string }, b: { startsAt: string }) => a.startsAt.localeCompare(b.startsAt))[n];
  const bookingId = await bookOnBehalf(app, token, s, slot.id, family.id, studentId);
  return { bookingId, slotId: slot.id as string };
}

/** A teacher who teaches a child of each of the two families. */
function sharedTeacher(s: SeededSchool, a: number, b: number): string {
  const teachers = (i: number) =>
    s.families[i]!.studentIds.flatMap((id) => s.students.find((st) => st.id === id)!.teacherIds);
  const found = teachers(a).find((t) => teachers(b).includes(t));
  if (!found) throw new Error('the seed gave the two families no common teacher');
  return found;
}

const seedOptions = {
  timeZone: ZONE,
  eveningDate: evening,
  teachers: 2,
  families: 3,
  teachersPerStudent: 2,
  siblingShare: 0,
  slotMinutes: 10,
  from: '16:00',
  to: '17:00',
};

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { ...seedOptions, code: 'INTTEACH' });
  other = await seedSmallSchool(app, { ...seedOptions, code: 'INTTEACHB', name: 'Other School' });
  admin = await loginStaff(app, school.admin.email);
  const otherAdmin = await loginStaff(app, other.admin.email);

  // The other school's interpreter is made first and speaks the same language at the
  // same hours: were the school ever left out, they would be the one found.
  await polishInterpreter(other, otherAdmin, THEIRS);
  await polishInterpreter(school, admin, OURS);
  await api('PUT', `/admin/families/${other.families[0]!.id}/interpreter`, otherAdmin, { language: 'pl' });
  await api('PUT', `/admin/families/${school.families[1]!.id}/interpreter`, admin, { language: 'pl' });

  // Both teachers teach every child (two teachers, two each): one teacher sees both families.
  teacherId = sharedTeacher(school, 0, 1);
  teacherToken = await loginStaff(app, school.teachers.find((t) => t.id === teacherId)!.email);
  withInterpreter = await book(school, admin, 1, teacherId, 1);
  without = await book(school, admin, 0, teacherId, 2);
  const otherTeacher = other.families[0]!.studentIds.flatMap(
    (id) => other.students.find((st) => st.id === id)!.teacherIds,
  )[0]!;
  theirs = { ...(await book(other, otherAdmin, 0, otherTeacher, 1)), teacherId: otherTeacher };
});
afterAll(() => app?.close());

/** The live reservations of these bookings, as every reader joins them (the meeting_interpreters view). */
async function liveInterpreters(schoolId: string, bookingIds: string[]) {
  const { rows } = await app.db.query(
    `SELECT booking_id, name, language FROM meeting_interpreters
      WHERE school_id = $1 AND booking_id = ANY($2::uuid[]) ORDER BY booking_id`,
    [schoolId, bookingIds],
  );
  return rows;
}

describe('the interpreter of each meeting, for the teacher', () => {
  it("is on the teacher's schedule for that meeting, null for another, and never another school's", async () => {
    const res = await api('GET', `/teacher/events/${school.eventId}/schedule`, teacherToken);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const schedule = res.body as TeacherSchedule;
    const of = (slotId: string) => schedule.entries.find((e) => e.slotId === slotId)?.appointment;
    expect(of(withInterpreter.slotId)).toMatchObject({
      bookingId: withInterpreter.bookingId,
      interpreter: { name: OURS, language: 'pl' },
    });
    expect(of(without.slotId)).toMatchObject({ bookingId: without.bookingId, interpreter: null });
    expect(schedule.entries.filter((e) => e.appointment)).toHaveLength(2);
    expect(JSON.stringify(schedule)).not.toContain(THEIRS);

    // The admin's view of the same schedule says the same.
    const asAdmin = await api('GET', `/admin/events/${school.eventId}/teachers/${teacherId}/schedule`, admin);
    expect(asAdmin.status).toBe(200);
    const adminOf = (asAdmin.body as TeacherSchedule).entries.find(
      (e) => e.slotId === withInterpreter.slotId,
    );
    expect(adminOf?.appointment?.interpreter).toEqual({ name: OURS, language: 'pl' });
  });

  it("the other school's teacher sees their own school's interpreter, not ours", async () => {
    const otherAdmin = await loginStaff(app, other.admin.email);
    const res = await api(
      'GET',
      `/admin/events/${other.eventId}/teachers/${theirs.teacherId}/schedule`,
      otherAdmin,
    );
    expect(res.status).toBe(200);
    const meeting = (res.body as TeacherSchedule).entries.find(
      (e) => e.appointment?.bookingId === theirs.bookingId,
    );
    expect(meeting?.appointment?.interpreter).toEqual({ name: THEIRS, language: 'pl' });
    expect(JSON.stringify(res.body)).not.toContain(OURS);
    // The view every reader joins (meeting_interpreters), read for the wrong school: a
    // meeting has no interpreter at all.
    const ids = [withInterpreter.bookingId, without.bookingId, theirs.bookingId];
    expect(await liveInterpreters(school.schoolId, ids)).toEqual([
      { booking_id: withInterpreter.bookingId, name: OURS, language: 'pl' },
    ]);
    expect(await liveInterpreters(other.schoolId, [withInterpreter.bookingId])).toEqual([]);
  });

  it('follows the meeting: cancelled, it has none; its slot then shows no appointment', async () => {
    // The same child with the other teacher, at a time the interpreter is not in the first meeting.
    const second = school.teachers.find((t) => t.id !== teacherId)!.id;
    const extra = await book(school, admin, 1, second, 3);
    const path = `/admin/events/${school.eventId}/teachers/${second}/schedule`;
    const find = (body: TeacherSchedule) => body.entries.find((e) => e.slotId === extra.slotId);
    const before = await api('GET', path, admin);
    expect(find(before.body)?.appointment?.interpreter?.name).toBe(OURS);
    const cancelled = await api('POST', `/bookings/${extra.bookingId}/cancel`, admin);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const after = await api('GET', path, admin);
    expect(find(after.body)?.appointment).toBeNull();
    // The ended reservation stays as the record of who interpreted, and is not read as live.
    expect(await liveInterpreters(school.schoolId, [extra.bookingId])).toEqual([]);
    expect(
      (await app.db.query('SELECT 1 FROM booking_interpreters WHERE booking_id = $1', [extra.bookingId]))
        .rowCount,
    ).toBe(1);
  });

  it('is on the printed schedules and the CSV', async () => {
    const print = await api('GET', `/admin/events/${school.eventId}/schedules.html`, admin);
    expect(print.status).toBe(200);
    const html = print.body as string;
    expect(html).toContain('<th>Interpreter</th>');
    expect(html).toContain(`<td>${OURS} (Polish)</td>`);
    expect(html).not.toContain(THEIRS);
    const csv = await api('GET', `/teacher/events/${school.eventId}/schedule.csv`, teacherToken);
    expect(csv.status).toBe(200);
    const lines = (csv.body as string)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/,Family surname,Interpreter,Interpreter language$/);
    const withOurs = lines.filter((l) => l.endsWith(`,${OURS},pl`));
    expect(withOurs).toHaveLength(1);
    expect(lines.filter((l) => l.includes(',booked,'))).toHaveLength(2);
  });

  it("is in the teacher's morning mail, on that meeting's line only", async () => {
    const sent: OutgoingMail[] = [];
    const mailer: Mailer = {
      send: async (mail) => {
        sent.push(mail);
        return { messageId: 'test' };
      },
      close: () => {},
    };
    const service = new MailService({
      db: app.db,
      mailer,
      publicUrl: app.url,
      enqueue: async () => {},
      sealKey: serverKeys(app.config.SERVER_SECRET).mailSeal,
      organizerEmail: 'no-reply@confer.local',
    });
    const outcome = await service.handle({
      kind: 'teacher-schedule',
      eventId: school.eventId,
      staffId: teacherId,
      date: evening,
    });
    expect(outcome).toBe('sent');
    const text = sent[0]!.text;
    const lines = text.split('\n').filter((l) => /^\s+\d\d:\d\d–/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith(`— Polish interpreter: ${OURS}`))).toHaveLength(1);
    expect(text).not.toContain(THEIRS);
    expect(sent[0]!.html).toContain(`Polish interpreter: ${OURS}`);
  });
});
