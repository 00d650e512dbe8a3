import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Several sittings per event. The seeded evening has teachers sitting 16:00–19:00
 * and no sittings yet; the admin splits it into an afternoon (16:00–17:00) and an evening
 * (18:00–19:00). Every teacher's slots are cut again inside them and none between; a
 * teacher's window spanning both gets slots in both. Overlapping sittings, and dropping a
 * sitting someone is booked in, are refused with nothing written.
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
  school = await seedSmallSchool(app, { code: 'SITS', teachers: 3, families: 6 });
  admin = await loginStaff(app, school.admin.email);
  const first = (await allSlots())[0]!;
  date = new Date(first.startsAt).toLocaleDateString('en-CA', { timeZone: ZONE });
});
afterAll(() => app?.close());

async function allSlots(): Promise<Slot[]> {
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  return res.body.slots.sort((a: Slot, b: Slot) => a.startsAt.localeCompare(b.startsAt));
}
const slotsOf = async (teacherId: string) => (await allSlots()).filter((s) => s.teacherId === teacherId);
const setSittings = (sittings: unknown[], token = admin) =>
  app.api('PUT', `/api/v1/admin/events/${school.eventId}/sittings`, { token, body: { sittings } });
const storedSittings = async () =>
  (
    await app.db.query<{ starts_at: Date; ends_at: Date; label: string }>(
      'SELECT starts_at, ends_at, label FROM event_sittings WHERE event_id = $1 ORDER BY starts_at',
      [school.eventId],
    )
  ).rows.map((r) => `${hm(r.starts_at.toISOString())}–${hm(r.ends_at.toISOString())} ${r.label}`);
const slotIds = async () => (await allSlots()).map((s) => s.id).join(',');
const twoSittings = () => [
  { date, from: '16:00', to: '17:00', label: 'Afternoon' },
  { date, from: '18:00', to: '19:00', label: 'Evening' },
];

describe('sittings', () => {
  it('migration 031 gives an event that had slots one sitting, from its first slot to its last', async () => {
    // The migration's own statement, narrowed to this test's event (other test files share the database).
    const sql = readFileSync(
      new URL('../../server/migrations/031_event_sittings.sql', import.meta.url),
      'utf8',
    );
    const backfill = sql.slice(sql.indexOf('INSERT INTO event_sittings'));
    const mine = backfill
      .replace('FROM slots', 'FROM slots WHERE event_id = $1')
      .replace("WHERE kind = 'window'", "WHERE kind = 'window' AND event_id = $1");
    expect(mine.match(/\$1/g)).toHaveLength(2);
    const client = await app.db.connect();
    try {
      await client.query('BEGIN');
      await client.query(mine, [school.eventId]);
      const { rows } = await client.query<{ starts_at: Date; ends_at: Date }>(
        'SELECT starts_at, ends_at FROM event_sittings WHERE event_id = $1',
        [school.eventId],
      );
      expect(rows.map((r) => `${hm(r.starts_at.toISOString())}–${hm(r.ends_at.toISOString())}`)).toEqual([
        '16:00–19:00',
      ]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('cuts every teacher’s slots inside the sittings and none between them', async () => {
    expect(await slotsOf(school.teachers[0]!.id)).toHaveLength(36);
    const res = await setSittings(twoSittings());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.sittings.map((t: any) => `${hm(t.startsAt)}–${hm(t.endsAt)} ${t.label}`)).toEqual([
      '16:00–17:00 Afternoon',
      '18:00–19:00 Evening',
    ]);
    for (const t of school.teachers) {
      const times = (await slotsOf(t.id)).map((s) => hm(s.startsAt));
      expect(times).toHaveLength(24);
      expect(times.filter((x) => x >= '17:00' && x < '18:00')).toEqual([]);
      expect(times).toContain('16:55');
      expect(times).toContain('18:00');
    }
    // Every screen reads them with the event.
    const view = await app.api('GET', `/api/v1/events/${school.eventId}`, { token: admin });
    expect(view.body.sittings).toHaveLength(2);

    // A window spanning both sittings (and beyond) gives slots in both, none between or outside.
    const teacher = school.teachers[1]!;
    const wide = await app.api(
      'PUT',
      `/api/v1/admin/events/${school.eventId}/teachers/${teacher.id}/availability`,
      { token: admin, body: { room: 'C2', windows: [{ date, from: '15:00', to: '20:00' }] } },
    );
    expect(wide.status, JSON.stringify(wide.body)).toBe(200);
    const times = (await slotsOf(teacher.id)).map((s) => hm(s.startsAt));
    expect(times).toHaveLength(24);
    expect(times[0]).toBe('16:00');
    expect(times.at(-1)).toBe('18:55');
    expect(times.filter((x) => x >= '17:00' && x < '18:00')).toEqual([]);
  });

  it('refuses overlapping sittings, writing nothing', async () => {
    const before = { sittings: await storedSittings(), slots: await slotIds() };
    const res = await setSittings([
      { date, from: '16:00', to: '17:30' },
      { date, from: '17:00', to: '19:00' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.issues[0].path).toBe('sittings.1');
    expect(await storedSittings()).toEqual(before.sittings);
    expect(await slotIds()).toBe(before.slots);
    // The database holds the rule too, whoever writes.
    await expect(
      app.db.query(
        `INSERT INTO event_sittings (event_id, starts_at, ends_at)
         SELECT event_id, starts_at + interval '10 minutes', ends_at FROM event_sittings WHERE event_id = $1 LIMIT 1`,
        [school.eventId],
      ),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'event_sittings_no_overlap' });
  });

  it('holds a teacher’s own windows to one sitting each', async () => {
    await app.db.query(
      `UPDATE events SET availability_deadline_at = now() + interval '1 hour' WHERE id = $1`,
      [school.eventId],
    );
    const teacher = school.teachers[2]!;
    const token = await loginStaff(app, teacher.email);
    const own = (windows: unknown[]) =>
      app.api('PUT', `/api/v1/teacher/events/${school.eventId}/availability`, { token, body: { windows } });
    const between = await own([{ date, from: '17:00', to: '18:00' }]);
    expect(between.status).toBe(400);
    expect(between.body.error.issues[0]).toMatchObject({ path: 'windows.0' });
    expect(between.body.error.issues[0].message).toContain('16:00–17:00');
    const inside = await own([
      { date, from: '16:00', to: '17:00' },
      { date, from: '18:00', to: '18:30' },
    ]);
    expect(inside.status, JSON.stringify(inside.body)).toBe(200);
    expect((await slotsOf(teacher.id)).map((s) => hm(s.startsAt))).toHaveLength(18);
    await app.db.query('UPDATE events SET availability_deadline_at = NULL WHERE id = $1', [school.eventId]);
  });

  it('refuses to drop a sitting someone is booked in, naming the appointment; nothing changes', async () => {
    const teacher = school.teachers[0]!;
    const family = school.families.find((f) =>
      f.studentIds.some((id) => school.students.find((x) => x.id === id)!.teacherIds.includes(teacher.id)),
    )!;
    const student = family.studentIds.find((id) =>
      school.students.find((x) => x.id === id)!.teacherIds.includes(teacher.id),
    )!;
    const slot = (await slotsOf(teacher.id)).find((s) => hm(s.startsAt) === '18:30')!;
    const bookingId = await bookOnBehalf(app, admin, school, slot.id, family.id, student);
    const before = { sittings: await storedSittings(), slots: await slotIds() };

    const res = await setSittings([{ date, from: '16:00', to: '17:00', label: 'Afternoon' }]);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('bookings_in_the_way');
    expect(res.body.error.issues).toEqual([
      { path: `bookings.${bookingId}`, message: expect.stringContaining(`${date} 18:30–18:35 with`) },
    ]);
    // Shrinking it from under the booking is refused the same way.
    const shrink = await setSittings([twoSittings()[0], { date, from: '18:00', to: '18:30' }]);
    expect(shrink.status).toBe(409);
    expect(shrink.body.error.issues.map((i: any) => i.path)).toEqual([`bookings.${bookingId}`]);
    expect(await storedSittings()).toEqual(before.sittings);
    expect(await slotIds()).toBe(before.slots);

    // A new sitting that keeps the booking inside is fine.
    const wider = await setSittings([
      twoSittings()[0],
      { date, from: '18:00', to: '19:30', label: 'Evening' },
    ]);
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    expect(await storedSittings()).toEqual(['16:00–17:00 Afternoon', '18:00–19:30 Evening']);
  });

  it('is for the school’s admins only', async () => {
    const before = await storedSittings();
    const family = await loginFamily(app, school, 0);
    const teacher = await loginStaff(app, school.teachers[0]!.email);
    for (const token of [family, teacher]) {
      const res = await setSittings(twoSittings(), token);
      expect(res.status).toBe(403);
    }
    expect(await storedSittings()).toEqual(before);
  });
});
