import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher } from '../support/admin-fixtures.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;

const hour = 3_600_000;
const newEvent = (over: Record<string, unknown> = {}) => ({
  name: 'Year 9 evening',
  bookingOpensAt: new Date(Date.now() - hour).toISOString(),
  bookingClosesAt: new Date(Date.now() + 48 * hour).toISOString(),
  slotMinutes: 10,
  gapMinutes: 0,
  maxPerStudent: 5,
  holdSeconds: 120,
  ...over,
});

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School', teachers: 2, families: 2 });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

describe('events: create and edit', () => {
  it('creates an event and edits it; the merged rules are checked', async () => {
    const created = await app.api('POST', '/api/v1/admin/events', { token: admin, body: newEvent() });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: 'Year 9 evening',
      slotMinutes: 10,
      timeZone: 'Europe/London',
    });
    // Without a cut-off, families may cancel until booking closes.
    expect(created.body.cancelCutoffAt).toBe(created.body.bookingClosesAt);
    const id = created.body.id;

    const edited = await app.api('PATCH', `/api/v1/admin/events/${id}`, {
      token: admin,
      body: { name: 'Year 9 parents’ evening', holdSeconds: 300 },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ name: 'Year 9 parents’ evening', holdSeconds: 300, slotMinutes: 10 });

    // Closing before the stored opening time is refused after merging, and nothing changes.
    const bad = await app.api('PATCH', `/api/v1/admin/events/${id}`, {
      token: admin,
      body: { bookingClosesAt: new Date(Date.now() - 2 * hour).toISOString() },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    expect(bad.body.error.issues[0].path).toBe('bookingClosesAt');
    const after = await app.api('GET', `/api/v1/events/${id}`, { token: admin });
    expect(after.body.bookingClosesAt).toBe(edited.body.bookingClosesAt);
  });

  it('refuses closes-before-opens, a cut-off after closing, and out-of-range rules', async () => {
    const cases = [
      newEvent({ bookingClosesAt: new Date(Date.now() - 2 * hour).toISOString() }),
      newEvent({ cancelCutoffAt: new Date(Date.now() + 72 * hour).toISOString() }),
      newEvent({ slotMinutes: 0 }),
      newEvent({ holdSeconds: 5 }),
      newEvent({ name: '' }),
      { ...newEvent(), surprise: true },
    ];
    for (const body of cases) {
      const res = await app.api('POST', '/api/v1/admin/events', { token: admin, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(JSON.stringify(res.body)).not.toMatch(/stack|SELECT|INSERT/);
    }
    const { rowCount } = await app.db.query('SELECT 1 FROM events WHERE school_id = $1', [school.schoolId]);
    expect(rowCount).toBe(2); // the seeded event and the one created above
  });

  it('a retried create with the same idempotency key creates one event', async () => {
    const body = newEvent({ name: 'Retried' });
    const send = () =>
      app.api('POST', '/api/v1/admin/events', {
        token: admin,
        body,
        headers: { 'idempotency-key': 'create-event-0001' },
      });
    const [a, b] = [await send(), await send()];
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const { rowCount } = await app.db.query("SELECT 1 FROM events WHERE name = 'Retried'");
    expect(rowCount).toBe(1);
  });

  it('a new gap that existing appointments would break is refused by the database', async () => {
    const created = await app.api('POST', '/api/v1/admin/events', {
      token: admin,
      body: newEvent({ name: 'Gap test', slotMinutes: 5 }),
    });
    const eventId = created.body.id;
    const { family, studentId } = familyWithTeacher(school, 0);
    const t1 = school.teachers[0]!.id;
    const t2 = school.teachers[1]!.id;
    for (const t of [t1, t2]) {
      const r = await app.api('PUT', `/api/v1/admin/events/${eventId}/teachers/${t}/availability`, {
        token: admin,
        body: { room: 'Hall', windows: [{ date: '2030-01-10', from: '16:00', to: '16:30' }] },
      });
      expect(r.status).toBe(200);
    }
    const snap = await app.api('GET', `/api/v1/events/${eventId}/availability`, { token: admin });
    const first = snap.body.slots.find(
      (s: any) => s.teacherId === t1 && s.startsAt.endsWith('16:00:00.000Z'),
    );
    const second = snap.body.slots.find(
      (s: any) => s.teacherId === t2 && s.startsAt.endsWith('16:05:00.000Z'),
    );
    await bookOnBehalf(app, admin, { eventId }, first.id, family.id, studentId);
    const sibling = family.studentIds[1] ?? studentId;
    if (sibling === studentId) {
      // One child can see two teachers back to back too.
      await bookOnBehalf(app, admin, { eventId }, second.id, family.id, studentId);
    } else {
      await bookOnBehalf(app, admin, { eventId }, second.id, family.id, sibling);
    }
    const res = await app.api('PATCH', `/api/v1/admin/events/${eventId}`, {
      token: admin,
      body: { gapMinutes: 10 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('gap');
    const ev = await app.api('GET', `/api/v1/events/${eventId}`, { token: admin });
    expect(ev.body.gapMinutes).toBe(0);
  });
});

describe('roles and schools', () => {
  it('teachers and families are forbidden; another school’s ids are not found', async () => {
    const teacher = await loginStaff(app, school.teachers[0]!.email);
    const family = await loginFamily(app, school, 0);
    for (const token of [teacher, family]) {
      const res = await app.api('POST', '/api/v1/admin/events', { token, body: newEvent() });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      const staff = await app.api('GET', '/api/v1/admin/staff', { token });
      expect(staff.status).toBe(403);
    }
    expect((await app.api('GET', '/api/v1/admin/staff')).status).toBe(401);

    const theirs = await app.api('PATCH', `/api/v1/admin/events/${other.eventId}`, {
      token: admin,
      body: { name: 'Hijacked' },
    });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('not_found');
    const theirTeacher = await app.api(
      'PUT',
      `/api/v1/admin/events/${school.eventId}/teachers/${other.teachers[0]!.id}/availability`,
      { token: admin, body: { windows: [{ date: '2030-01-10', from: '16:00', to: '17:00' }] } },
    );
    expect(theirTeacher.status).toBe(404);
    const { rows } = await app.db.query('SELECT name FROM events WHERE id = $1', [other.eventId]);
    expect(rows[0].name).not.toBe('Hijacked');
  });

  it('lists only this school’s staff, with roles', async () => {
    const res = await app.api('GET', '/api/v1/admin/staff', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.staff).toHaveLength(school.teachers.length + 1);
    const ids = res.body.staff.map((s: any) => s.id);
    expect(ids).toContain(school.admin.id);
    expect(ids).not.toContain(other.admin.id);
    expect(res.body.staff.find((s: any) => s.id === school.admin.id)).toMatchObject({
      isAdmin: true,
      isTeacher: false,
    });
  });
});

describe('availability in the school’s time zone', () => {
  // The suite runs under TZ=Pacific/Chatham: only a conversion in the school's zone
  // (Europe/London) gives these instants.
  it('16:00 in winter is 16:00 UTC and in summer 15:00 UTC', async () => {
    const teacherId = school.teachers[2]!.id;
    for (const [date, utc] of [
      ['2030-12-05', '2030-12-05T16:00:00.000Z'],
      ['2030-06-06', '2030-06-06T15:00:00.000Z'],
    ] as const) {
      const created = await app.api('POST', '/api/v1/admin/events', {
        token: admin,
        body: newEvent({ name: `TZ ${date}`, slotMinutes: 10 }),
      });
      const eventId = created.body.id;
      const res = await app.api('PUT', `/api/v1/admin/events/${eventId}/teachers/${teacherId}/availability`, {
        token: admin,
        body: {
          room: 'Lab 2',
          windows: [{ date, from: '16:00', to: '17:00' }],
          breaks: [{ date, from: '16:20', to: '16:30' }],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.slots).toMatchObject({ created: 5, removed: 0 });
      // Read back in the school's wall-clock, as typed.
      expect(res.body.availability).toMatchObject({
        room: 'Lab 2',
        windows: [{ date, from: '16:00', to: '17:00' }],
        breaks: [{ date, from: '16:20', to: '16:30' }],
      });
      const snap = await app.api('GET', `/api/v1/events/${eventId}/availability`, { token: admin });
      const starts = snap.body.slots.map((s: SlotView) => s.startsAt).sort();
      expect(starts[0]).toBe(utc);
      expect(starts).toHaveLength(5);
      expect(snap.body.slots.every((s: SlotView) => s.room === 'Lab 2')).toBe(true);
      const listed = await app.api('GET', `/api/v1/admin/events/${eventId}/availability`, { token: admin });
      expect(listed.body.teachers[0].windows).toEqual([{ date, from: '16:00', to: '17:00' }]);
    }
  });

  it('refuses a local time the clocks skip', async () => {
    const created = await app.api('POST', '/api/v1/admin/events', {
      token: admin,
      body: newEvent({ name: 'DST' }),
    });
    const res = await app.api(
      'PUT',
      `/api/v1/admin/events/${created.body.id}/teachers/${school.teachers[0]!.id}/availability`,
      { token: admin, body: { windows: [{ date: '2030-03-31', from: '01:10', to: '03:00' }] } },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('windows.0.from');
  });

  it('regenerating keeps booked slots, deletes free ones, and tells families live', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 2);
    const familyToken = await loginFamily(app, school, 2);
    const socket = await app.socket(familyToken);
    const joined = await new Promise<any>((r) => socket.emit('event:join', { eventId: school.eventId }, r));
    expect(joined.ok).toBe(true);
    const changed: any[] = [];
    onSlotFact(socket, (f) => f.kind === 'changed' && changed.push(f));

    const mine = joined.data.slots.filter((s: SlotView) => s.teacherId === teacherId);
    const booked = mine[3];
    await bookOnBehalf(app, admin, school, booked.id, family.id, studentId);
    const date = new Date(booked.startsAt).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

    // Shorter evening, 10-minute slots: 16:00–17:00 local.
    const longer = await app.api('PATCH', `/api/v1/admin/events/${school.eventId}`, {
      token: admin,
      body: { slotMinutes: 10 },
    });
    expect(longer.status).toBe(200);
    const res = await app.api(
      'PUT',
      `/api/v1/admin/events/${school.eventId}/teachers/${teacherId}/availability`,
      {
        token: admin,
        body: { room: 'Room 9', windows: [{ date, from: '16:00', to: '17:00' }] },
      },
    );
    expect(res.status).toBe(200);
    const after = await app.db.query<{ id: string; starts_at: Date; ends_at: Date; room: string }>(
      'SELECT id, starts_at, ends_at, room FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at',
      [school.eventId, teacherId],
    );
    // The booked 5-minute slot (16:15–16:20) is still there, with its booking.
    expect(after.rows.map((r) => r.id)).toContain(booked.id);
    const { rows: b } = await app.db.query(
      "SELECT status FROM bookings WHERE slot_id = $1 AND status = 'confirmed'",
      [booked.id],
    );
    expect(b).toHaveLength(1);
    // No two slots of the teacher overlap, and the new ones are 10 minutes.
    for (let i = 1; i < after.rows.length; i++)
      expect(after.rows[i]!.starts_at.getTime()).toBeGreaterThanOrEqual(after.rows[i - 1]!.ends_at.getTime());
    const fresh = after.rows.filter((r) => r.id !== booked.id);
    expect(fresh.every((r) => r.ends_at.getTime() - r.starts_at.getTime() === 10 * 60_000)).toBe(true);
    expect(res.body.slots.created).toBe(fresh.length);
    expect(res.body.slots.removed).toBe(mine.length - 1);

    await expect.poll(() => changed.length).toBe(res.body.slots.removed + res.body.slots.created + 1);
    expect(changed.filter((f) => f.reason === 'removed')).toHaveLength(res.body.slots.removed);
    expect(changed.filter((f) => f.reason === 'added')).toHaveLength(res.body.slots.created);
    // The kept slot moved to the new room; families still never see who is in it.
    expect(changed.find((f) => f.reason === 'resized').slot).toMatchObject({ id: booked.id, room: 'Room 9' });
    expect(changed.every((f) => f.slot.occupant === undefined)).toBe(true);
    const versions = changed.map((f) => f.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(versions.at(-1)).toBe(res.body.version);
  });
});
