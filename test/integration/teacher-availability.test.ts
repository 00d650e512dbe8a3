import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher, recordAll } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A teacher sets their own evening within the admin's limits — inside the
 * event's hours (16:00–19:00 here, every seeded teacher's window), before the admin's
 * deadline, never taking away a booked appointment — through the admin's own
 * regeneration, live on every screen.
 */
let app: TestApp;
let school: SeededSchool;
let admin: string;
let teacher: string;
let teacherId: string;
let otherTeacherId: string;
let date: string;

type Slot = { id: string; teacherId: string; startsAt: string; endsAt: string; room: string };

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'TAVL', teachers: 3, families: 6 });
  admin = await loginStaff(app, school.admin.email);
  teacherId = familyWithTeacher(school, 0).teacherId;
  otherTeacherId = school.teachers.find((t) => t.id !== teacherId)!.id;
  teacher = await loginStaff(app, school.teachers.find((t) => t.id === teacherId)!.email);
  date = localDate((await slotsOf(teacherId))[0]!.startsAt);
});
afterAll(() => app?.close());

const localDate = (iso: string) => new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
const localTime = (iso: string) =>
  new Date(iso).toLocaleTimeString('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
  });

async function slotsOf(id: string): Promise<Slot[]> {
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  return res.body.slots
    .filter((s: Slot) => s.teacherId === id)
    .sort((a: Slot, b: Slot) => a.startsAt.localeCompare(b.startsAt));
}

const setMine = (body: unknown, token = teacher) =>
  app.api('PUT', `/api/v1/teacher/events/${school.eventId}/availability`, { token, body });
const mine = () =>
  app.api('GET', `/api/v1/teacher/events/${school.eventId}/availability`, { token: teacher });
const setDeadline = (availabilityDeadlineAt: string | null) =>
  app.api('PATCH', `/api/v1/admin/events/${school.eventId}`, {
    token: admin,
    body: { availabilityDeadlineAt },
  });
const adminSets = (id: string, body: unknown, token = admin) =>
  app.api('PUT', `/api/v1/admin/events/${school.eventId}/teachers/${id}/availability`, { token, body });

describe('a teacher’s own availability', () => {
  it('is the admin’s alone until the admin opens it with a deadline', async () => {
    const before = await mine();
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ open: false, deadlineAt: null });
    expect(before.body.availability.windows).toEqual([{ date, from: '16:00', to: '19:00' }]);
    const refused = await setMine({ windows: [{ date, from: '16:00', to: '18:00' }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('availability_locked');
    expect(await slotsOf(teacherId)).toHaveLength(36);

    const deadline = new Date(Date.now() + 3_600_000).toISOString();
    const patched = await setDeadline(deadline);
    expect(patched.status).toBe(200);
    expect(Date.parse(patched.body.availabilityDeadlineAt)).toBe(Date.parse(deadline));
    const after = await mine();
    expect(after.body).toMatchObject({ open: true, timeZone: 'Europe/London' });
    expect(localTime(after.body.hours.startsAt)).toBe('16:00');
    expect(localTime(after.body.hours.endsAt)).toBe('19:00');
  });

  it('regenerates the teacher’s slots and families see the new ones live', async () => {
    // The admin (who still can) gives the teacher a short evening; the teacher widens it.
    expect((await adminSets(teacherId, { windows: [{ date, from: '16:00', to: '17:00' }] })).status).toBe(
      200,
    );
    expect(await slotsOf(teacherId)).toHaveLength(12);
    const socket = await app.socket(await loginFamily(app, school, 0));
    expect((await ask(socket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
    const seen = recordAll(socket);

    const res = await setMine({
      room: 'B12',
      windows: [{ date, from: '16:00', to: '19:00' }],
      breaks: [{ date, from: '17:30', to: '17:45' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.slots).toMatchObject({ created: 21, removed: 0, kept: 12 });
    expect(res.body.availability).toMatchObject({ teacherId, room: 'B12' });
    const slots = await slotsOf(teacherId);
    expect(slots).toHaveLength(33);
    expect(slots.every((s) => s.room === 'B12')).toBe(true);
    expect(slots.some((s) => localTime(s.startsAt) === '17:30')).toBe(false);
    const added = slots.find((s) => localTime(s.startsAt) === '18:00')!;
    await expect
      .poll(() => seen.some((e) => e.event === 'slot:facts' && e.payload.slot?.id === added.id))
      .toBe(true);
    expect(seen.find((e) => e.payload.slot?.id === added.id)!.payload.reason).toBe('added');
    // Recorded like every write, before and after.
    const { rows } = await app.db.query(
      `SELECT actor_id, detail FROM audit_log WHERE action = 'setMyAvailability' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0].actor_id).toBe(teacherId);
    expect(rows[0].detail.after.windows).toEqual([{ date, from: '16:00', to: '19:00' }]);
  });

  it('refuses windows outside the event’s hours, writing nothing', async () => {
    const res = await setMine({ windows: [{ date, from: '15:00', to: '19:00' }] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.issues).toEqual([
      { path: 'windows.0', message: expect.stringContaining('16:00–19:00') },
    ]);
    expect(await slotsOf(teacherId)).toHaveLength(33);
  });

  it('never reaches another teacher’s availability', async () => {
    const res = await adminSets(otherTeacherId, { windows: [{ date, from: '16:00', to: '17:00' }] }, teacher);
    expect(res.status).toBe(403);
    expect(await slotsOf(otherTeacherId)).toHaveLength(36);
    // The teacher route has no teacher in it: it is always the signed-in teacher's own.
    expect((await mine()).body.availability.teacherId).toBe(teacherId);
    const family = await loginFamily(app, school, 1);
    expect((await setMine({ windows: [{ date, from: '16:00', to: '17:00' }] }, family)).status).toBe(403);
    // Another school's event answers as one that does not exist.
    const other = await seedSmallSchool(app, {
      code: 'TAVO',
      name: 'Other School',
      teachers: 1,
      families: 1,
    });
    const elsewhere = `/api/v1/teacher/events/${other.eventId}/availability`;
    expect((await app.api('GET', elsewhere, { token: teacher })).status).toBe(404);
    const put = await app.api('PUT', elsewhere, {
      token: teacher,
      body: { windows: [{ date, from: '16:00', to: '17:00' }] },
    });
    expect(put.status).toBe(404);
    const { rows } = await app.db.query('SELECT count(*)::int AS n FROM slots WHERE event_id = $1', [
      other.eventId,
    ]);
    expect(rows[0].n).toBe(36);
  });

  it('refuses to shrink under a booking, naming it by time; the admin still can', async () => {
    const { family, studentId } = familyWithTeacher(school, 0);
    const slot = (await slotsOf(teacherId)).find((s) => localTime(s.startsAt) === '18:30')!;
    const bookingId = await bookOnBehalf(app, admin, school, slot.id, family.id, studentId);
    const shrink = { room: 'B12', windows: [{ date, from: '16:00', to: '18:00' }] };

    const res = await setMine(shrink);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('bookings_in_the_way');
    expect(res.body.error.message).toMatch(/admin/);
    expect(res.body.error.issues).toEqual([
      { path: `bookings.${bookingId}`, message: `${date} 18:30–18:35` },
    ]);
    expect(JSON.stringify(res.body)).not.toContain(family.surname);
    expect(await slotsOf(teacherId)).toHaveLength(33);
    expect((await mine()).body.availability.windows).toEqual([{ date, from: '16:00', to: '19:00' }]);

    // Shrinking where nobody is booked is the teacher's to do.
    const fine = await setMine({ ...shrink, windows: [{ date, from: '16:00', to: '18:45' }] });
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);

    const byAdmin = await adminSets(teacherId, shrink);
    expect(byAdmin.status).toBe(200);
    const after = await slotsOf(teacherId);
    expect(after.find((s) => s.id === slot.id)).toBeDefined();
    expect(after.filter((s) => localTime(s.startsAt) >= '18:00').map((s) => s.id)).toEqual([slot.id]);
  });

  it('is the admin’s alone again once the deadline has passed', async () => {
    expect((await setDeadline(new Date(Date.now() - 60_000).toISOString())).status).toBe(200);
    expect((await mine()).body.open).toBe(false);
    const res = await setMine({ windows: [{ date, from: '16:00', to: '17:00' }] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('availability_locked');
    expect(res.body.error.message).toMatch(/until/);
    expect((await adminSets(teacherId, { windows: [{ date, from: '16:00', to: '17:00' }] })).status).toBe(
      200,
    );
  });
});
