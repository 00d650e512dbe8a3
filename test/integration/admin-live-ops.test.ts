import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher, recordAll } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;

interface Slot {
  id: string;
  teacherId: string;
  startsAt: string;
  endsAt: string;
  state: string;
}

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School', teachers: 2, families: 2 });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

async function slotsOf(teacherId: string, eventId = school.eventId): Promise<Slot[]> {
  const res = await app.api('GET', `/api/v1/events/${eventId}/availability`, { token: admin });
  return res.body.slots
    .filter((s: Slot) => s.teacherId === teacherId)
    .sort((a: Slot, b: Slot) => a.startsAt.localeCompare(b.startsAt));
}

/** A family's socket in the event; its facts and itinerary notices are recorded. */
async function watchAsFamily(index: number, eventId = school.eventId) {
  const socket = await app.socket(await loginFamily(app, school, index));
  const joined = await ask(socket, 'event:join', { eventId });
  expect(joined.ok).toBe(true);
  return { socket, seen: recordAll(socket) };
}

const localDate = (iso: string) => new Date(iso).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

describe('add a slot', () => {
  it('adds a slot at a school-local time and a family sees it appear', async () => {
    const { teacherId } = familyWithTeacher(school, 0);
    const { seen } = await watchAsFamily(0);
    const last = (await slotsOf(teacherId)).at(-1)!;
    const res = await app.api('POST', `/api/v1/admin/events/${school.eventId}/slots`, {
      token: admin,
      body: { teacherId, date: localDate(last.startsAt), from: '19:00' },
    });
    expect(res.status).toBe(200);
    // Evening tomorrow in London is 19:00 local: the new slot starts where the last one ends.
    expect(res.body).toMatchObject({ teacherId, startsAt: last.endsAt, state: 'free' });
    expect(Date.parse(res.body.endsAt) - Date.parse(res.body.startsAt)).toBe(5 * 60_000);
    await expect
      .poll(() =>
        seen.find(
          (e) =>
            e.event === 'slot:facts' && e.payload.kind === 'changed' && e.payload.slot.id === res.body.id,
        ),
      )
      .toBeTruthy();
    const fact = seen.find((e) => e.payload?.slot?.id === res.body.id)!.payload;
    expect(fact.reason).toBe('added');

    const overlapping = await app.api('POST', `/api/v1/admin/events/${school.eventId}/slots`, {
      token: admin,
      body: { teacherId, date: localDate(last.startsAt), from: '19:02' },
    });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.code).toBe('clash');
    const { rows } = await app.db.query(`SELECT action FROM booking_log WHERE slot_id = $1`, [res.body.id]);
    expect(rows).toEqual([{ action: 'added' }]);
  });

  it('is for admins of this school only', async () => {
    const teacher = await loginStaff(app, school.teachers[0]!.email);
    const body = { teacherId: school.teachers[0]!.id, date: '2030-01-01', from: '20:00' };
    const asTeacher = await app.api('POST', `/api/v1/admin/events/${school.eventId}/slots`, {
      token: teacher,
      body,
    });
    expect(asTeacher.status).toBe(403);
    const elsewhere = await app.api('POST', `/api/v1/admin/events/${other.eventId}/slots`, {
      token: admin,
      body: { ...body, teacherId: other.teachers[0]!.id },
    });
    expect(elsewhere.status).toBe(404);
    const { rowCount } = await app.db.query("SELECT 1 FROM slots WHERE starts_at = '2030-01-01T20:00:00Z'");
    expect(rowCount).toBe(0);
  });
});

describe('lengthen a slot', () => {
  it('refuses running into the teacher’s next slot', async () => {
    const teacherId = school.teachers[3]!.id;
    const [first] = await slotsOf(teacherId);
    const res = await app.api('POST', `/api/v1/admin/slots/${first!.id}/lengthen`, {
      token: admin,
      body: { minutes: 5 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('clash');
    expect((await slotsOf(teacherId))[0]!.endsAt).toBe(first!.endsAt);
  });

  it('lengthens a booked slot, moves the booking’s end, and tells the family', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 1);
    const { seen } = await watchAsFamily(1);
    const slots = await slotsOf(teacherId);
    const target = slots[10]!;
    const next = slots[11]!;
    const bookingId = await bookOnBehalf(app, admin, school, target.id, family.id, studentId);
    expect((await app.api('DELETE', `/api/v1/admin/slots/${next.id}`, { token: admin })).body.outcome).toBe(
      'removed',
    );
    const res = await app.api('POST', `/api/v1/admin/slots/${target.id}/lengthen`, {
      token: admin,
      body: { minutes: 5 },
    });
    expect(res.status).toBe(200);
    expect(res.body.endsAt).toBe(next.endsAt);
    // The admin's answer names who is in the slot.
    expect(res.body.occupant.bookingId).toBe(bookingId);
    const { rows } = await app.db.query('SELECT ends_at FROM bookings WHERE id = $1', [bookingId]);
    expect(rows[0].ends_at.toISOString()).toBe(next.endsAt);
    await expect
      .poll(() =>
        seen.find(
          (e) => e.event === 'slot:facts' && e.payload.kind === 'changed' && e.payload.reason === 'resized',
        ),
      )
      .toBeTruthy();
    await expect.poll(() => seen.some((e) => e.event === 'itinerary:changed')).toBe(true);
    const fact = seen.find((e) => e.payload?.reason === 'resized')!.payload;
    expect(fact.slot).toMatchObject({ id: target.id, endsAt: next.endsAt, state: 'booked' });
    expect(fact.slot.occupant).toBeUndefined();
  });

  it('refuses a length that would make the booked family clash with its next appointment', async () => {
    const { family, studentId } = familyWithTeacher(school, 2);
    const t1 = school.teachers[0]!.id;
    const t2 = school.teachers[1]!.id;
    const s1 = (await slotsOf(t1))[20]!;
    const s2 = (await slotsOf(t2)).find((s) => s.startsAt === s1.endsAt)!;
    const after1 = (await slotsOf(t1))[21]!;
    await bookOnBehalf(app, admin, school, s1.id, family.id, studentId);
    await bookOnBehalf(app, admin, school, s2.id, family.id, studentId);
    await app.api('DELETE', `/api/v1/admin/slots/${after1.id}`, { token: admin });
    const res = await app.api('POST', `/api/v1/admin/slots/${s1.id}/lengthen`, {
      token: admin,
      body: { minutes: 5 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('clash');
    const { rows } = await app.db.query('SELECT ends_at FROM slots WHERE id = $1', [s1.id]);
    expect(rows[0].ends_at.toISOString()).toBe(s1.endsAt);
  });

  it('refuses a length that would break the event’s gap for the booked family', async () => {
    const created = await app.api('POST', '/api/v1/admin/events', {
      token: admin,
      body: {
        name: 'Gap evening',
        bookingOpensAt: new Date(Date.now() - 3_600_000).toISOString(),
        bookingClosesAt: new Date(Date.now() + 86_400_000).toISOString(),
        slotMinutes: 5,
        gapMinutes: 5,
        maxPerStudent: 5,
        holdSeconds: 120,
      },
    });
    const eventId = created.body.id;
    const [t1, t2] = [school.teachers[0]!.id, school.teachers[1]!.id];
    for (const t of [t1, t2])
      await app.api('PUT', `/api/v1/admin/events/${eventId}/teachers/${t}/availability`, {
        token: admin,
        body: { windows: [{ date: '2030-02-05', from: '16:00', to: '16:30' }] },
      });
    const { family, studentId } = familyWithTeacher(school, 3);
    const a = await slotsOf(t1, eventId);
    const b = await slotsOf(t2, eventId);
    // 16:00 with one teacher, 16:15 with the other: 10 minutes apart, gap 5.
    await bookOnBehalf(app, admin, { eventId }, a[0]!.id, family.id, studentId, eventId);
    await bookOnBehalf(app, admin, { eventId }, b[3]!.id, family.id, studentId, eventId);
    for (const s of [a[1]!, a[2]!]) await app.api('DELETE', `/api/v1/admin/slots/${s.id}`, { token: admin });
    const res = await app.api('POST', `/api/v1/admin/slots/${a[0]!.id}/lengthen`, {
      token: admin,
      body: { minutes: 6 },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('gap');
    // Exactly the gap is fine.
    const ok = await app.api('POST', `/api/v1/admin/slots/${a[0]!.id}/lengthen`, {
      token: admin,
      body: { minutes: 5 },
    });
    expect(ok.status).toBe(200);
  });
});

describe('remove a slot', () => {
  it('removes a free slot, refuses a booked one, and keeps one with history (blocked)', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 4);
    const { seen } = await watchAsFamily(4);
    const slots = await slotsOf(teacherId);
    const free = slots.find((s) => s.state === 'free' && s.startsAt > slots[25]!.startsAt)!;
    const removed = await app.api('DELETE', `/api/v1/admin/slots/${free.id}`, { token: admin });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ slotId: free.id, outcome: 'removed' });
    await expect
      .poll(() => seen.find((e) => e.payload?.slot?.id === free.id && e.payload.reason === 'removed'))
      .toBeTruthy();
    expect((await app.db.query('SELECT 1 FROM slots WHERE id = $1', [free.id])).rowCount).toBe(0);

    const booked = slots.find((s) => s.state === 'free' && s.id !== free.id)!;
    const bookingId = await bookOnBehalf(app, admin, school, booked.id, family.id, studentId);
    const refused = await app.api('DELETE', `/api/v1/admin/slots/${booked.id}`, { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('slot_taken');

    await app.api('POST', `/api/v1/bookings/${bookingId}/cancel`, { token: admin });
    const kept = await app.api('DELETE', `/api/v1/admin/slots/${booked.id}`, { token: admin });
    expect(kept.body).toEqual({ slotId: booked.id, outcome: 'blocked' });
    const { rows } = await app.db.query('SELECT status FROM bookings WHERE id = $1', [bookingId]);
    expect(rows[0].status).toBe('cancelled');
  });
});

describe('move a booking', () => {
  let socket: ClientSocket;
  let seen: { event: string; payload: any }[];

  it('moves a confirmed booking to a free slot; the family and the grid hear of it', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 5);
    ({ socket, seen } = await watchAsFamily(5));
    const slots = (await slotsOf(teacherId)).filter((s) => s.state === 'free');
    const [from, to] = [slots[0]!, slots[5]!];
    const bookingId = await bookOnBehalf(app, admin, school, from.id, family.id, studentId);
    const before = seen.length;

    const res = await app.api('POST', `/api/v1/admin/bookings/${bookingId}/move`, {
      token: admin,
      body: { slotId: to.id },
      headers: { 'idempotency-key': 'move-booking-0001' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: bookingId,
      slotId: to.id,
      startsAt: to.startsAt,
      status: 'confirmed',
    });

    await expect.poll(() => seen.slice(before).filter((e) => e.payload?.reason === 'moved').length).toBe(2);
    const moved = seen.slice(before).filter((e) => e.payload?.reason === 'moved');
    expect(moved.map((e) => [e.event, e.payload.kind, e.payload.slot.id, e.payload.slot.state])).toEqual([
      ['slot:facts', 'changed', from.id, 'free'],
      ['slot:facts', 'changed', to.id, 'booked'],
    ]);
    await expect.poll(() => seen.slice(before).some((e) => e.event === 'itinerary:changed')).toBe(true);
    const itinerary = await app.api('GET', `/api/v1/events/${school.eventId}/bookings/mine`, {
      token: await loginFamily(app, school, 5),
    });
    expect(itinerary.body.bookings.map((b: BookingView) => b.slotId)).toEqual([to.id]);

    // The same row, with its whole story in the log.
    const { rows } = await app.db.query(
      'SELECT action, slot_id FROM booking_log WHERE booking_id = $1 ORDER BY version',
      [bookingId],
    );
    expect(rows.map((r) => r.action)).toEqual(['held', 'confirmed', 'moved', 'moved']);

    // A retry with the key changes nothing more.
    const again = await app.api('POST', `/api/v1/admin/bookings/${bookingId}/move`, {
      token: admin,
      body: { slotId: to.id },
      headers: { 'idempotency-key': 'move-booking-0001' },
    });
    expect(again.body).toEqual(res.body);
    const { rowCount } = await app.db.query('SELECT 1 FROM booking_log WHERE booking_id = $1', [bookingId]);
    expect(rowCount).toBe(4);
  });

  it('refuses a taken, a blocked, or a foreign slot, and non-admins', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 6);
    const slots = (await slotsOf(teacherId)).filter((s) => s.state === 'free');
    const bookingId = await bookOnBehalf(app, admin, school, slots[1]!.id, family.id, studentId);
    const other7 = familyWithTeacher(school, 7);
    const taken = (await slotsOf(other7.teacherId)).filter((s) => s.state === 'free')[2]!;
    await bookOnBehalf(app, admin, school, taken.id, other7.family.id, other7.studentId);
    const move = (slotId: string, token = admin) =>
      app.api('POST', `/api/v1/admin/bookings/${bookingId}/move`, { token, body: { slotId } });

    const onTaken = await move(taken.id);
    expect(onTaken.status).toBe(409);
    expect(onTaken.body.error.code).toBe('slot_taken');

    await app.api('POST', `/api/v1/slots/${slots[3]!.id}/block`, { token: admin, body: { blocked: true } });
    expect((await move(slots[3]!.id)).body.error.code).toBe('slot_taken');

    const foreign = (await app.db.query('SELECT id FROM slots WHERE event_id = $1 LIMIT 1', [other.eventId]))
      .rows[0].id;
    expect((await move(foreign)).status).toBe(404);

    const teacher = await loginStaff(app, school.teachers[0]!.email);
    expect((await move(slots[4]!.id, teacher)).status).toBe(403);
    const familyToken = await loginFamily(app, school, 6);
    expect((await move(slots[4]!.id, familyToken)).status).toBe(403);

    const { rows } = await app.db.query('SELECT slot_id FROM bookings WHERE id = $1', [bookingId]);
    expect(rows[0].slot_id).toBe(slots[1]!.id);
  });

  it('cannot move another school’s booking', async () => {
    const f = other.families[0]!;
    const studentId = f.studentIds[0]!;
    const otherAdmin = await loginStaff(app, other.admin.email);
    const slot = (
      await app.db.query('SELECT id FROM slots WHERE event_id = $1 ORDER BY starts_at LIMIT 1', [
        other.eventId,
      ])
    ).rows[0].id;
    const bookingId = await bookOnBehalf(app, otherAdmin, other, slot, f.id, studentId);
    const mySlot = (await slotsOf(school.teachers[0]!.id)).find((s) => s.state === 'free')!;
    const res = await app.api('POST', `/api/v1/admin/bookings/${bookingId}/move`, {
      token: admin,
      body: { slotId: mySlot.id },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  afterAll(() => {
    socket?.disconnect();
  });
});

describe('the console', () => {
  it('counts slots by state and the screens watching, across the event’s rooms', async () => {
    const get = async () => {
      const res = await app.api('GET', `/api/v1/admin/events/${school.eventId}/console`, { token: admin });
      expect(res.status).toBe(200);
      return res.body;
    };
    const before = await get();
    const { rows } = await app.db.query<{ state: string; n: number }>(
      `SELECT CASE WHEN b.status = 'confirmed' THEN 'booked' WHEN b.status = 'held' THEN 'held'
                   WHEN s.blocked THEN 'blocked' ELSE 'free' END AS state, count(*)::int AS n
         FROM slots s LEFT JOIN bookings b ON b.slot_id = s.id
              AND (b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))
        WHERE s.event_id = $1 GROUP BY 1`,
      [school.eventId],
    );
    const expected = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    expect(before.counts).toMatchObject({
      booked: expected.booked ?? 0,
      free: expected.free ?? 0,
      blocked: expected.blocked ?? 0,
    });
    expect(before.counts.total).toBe(rows.reduce((a, r) => a + r.n, 0));
    expect(before.teachers.reduce((a: number, t: any) => a + t.counts.total, 0)).toBe(before.counts.total);

    // A hold shows as held.
    const { family, studentId, teacherId } = familyWithTeacher(school, 8);
    const free = (await slotsOf(teacherId)).find((s) => s.state === 'free')!;
    const hold = await app.api('POST', '/api/v1/holds', {
      token: admin,
      body: { slotId: free.id, studentId, familyId: family.id },
    });
    expect(hold.status).toBe(200);

    // Two more families, a teacher and another admin start watching.
    await watchAsFamily(8);
    await watchAsFamily(9);
    await app.socket(await loginStaff(app, school.teachers[1]!.email));
    const adminSocket = await app.socket(await loginStaff(app, school.admin.email));
    expect((await ask(adminSocket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
    // Someone at another school is not counted.
    await app.socket(await loginStaff(app, other.admin.email));

    const after = await get();
    expect(after.counts.held).toBe(before.counts.held + 1);
    expect(after.counts.free).toBe(before.counts.free - 1);
    expect(after.connected.families).toBe(before.connected.families + 2);
    expect(after.connected.staff).toBe(before.connected.staff + 2);
    expect(after.connected.sockets).toBe(after.connected.families + after.connected.staff);
    expect(after.version).toBeGreaterThan(before.version);
  });

  it('is not found for another school’s event', async () => {
    const res = await app.api('GET', `/api/v1/admin/events/${other.eventId}/console`, { token: admin });
    expect(res.status).toBe(404);
  });
});
