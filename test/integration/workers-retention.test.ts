import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startTestWorkers } from './workers-harness.ts';

const ZONE = 'Europe/London';
let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let queue: Queue;
let adminToken: string;
const booked: { familyIndex: number; bookingId: string; slotId: string }[] = [];
let runs = 0;

beforeAll(async () => {
  app = await startTestApp();
  // An evening 100 days ago (booking opened the day before).
  school = await seedSmallSchool(app, {
    timeZone: ZONE,
    eveningDate: DateTime.now().setZone(ZONE).minus({ days: 100 }).toISODate()!,
    opensInMinutes: -101 * 24 * 60,
  });
  queue = new Queue(QUEUES.retention, { connection: app.redis, prefix: bullPrefix(app.config.REDIS_PREFIX) });
  adminToken = await loginStaff(app, school.admin.email);

  // Staff booked three families in; one appointment was cancelled later.
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: adminToken });
  const slots = snap.body.slots as { id: string; teacherId: string; state: string }[];
  for (const familyIndex of [0, 1, 2]) {
    const fam = school.families[familyIndex]!;
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const slot = slots.filter((s) => s.teacherId === teacherId && s.state === 'free')[familyIndex]!;
    slot.state = 'taken';
    const held = await app.api('POST', '/api/v1/holds', {
      token: adminToken,
      body: { slotId: slot.id, studentId, familyId: fam.id },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    const ok = await app.api('POST', '/api/v1/holds/confirm', {
      token: adminToken,
      body: { eventId: school.eventId, holdIds: [held.body.id], familyId: fam.id },
    });
    expect(ok.status).toBe(200);
    booked.push({ familyIndex, bookingId: held.body.id, slotId: slot.id });
  }
  const cancelled = await app.api('POST', `/api/v1/bookings/${booked[2]!.bookingId}/cancel`, {
    token: adminToken,
  });
  expect(cancelled.status).toBe(200);
  await app.db.query(`UPDATE bookings SET note = 'Mum asked about Ava''s reading' WHERE id = $1`, [
    booked[0]!.bookingId,
  ]);
  await app.db.query(
    `INSERT INTO booking_notes (booking_id, staff_id, body) SELECT id, staff_id, 'Discussed Ava''s reading' FROM bookings WHERE id = $1`,
    [booked[0]!.bookingId],
  );
  await app.db.query(
    `INSERT INTO email_log (key, kind, school_id, event_id, recipient) VALUES ('email.x.booking-confirmed', 'booking-confirmed', $1, $2, $3)`,
    [school.schoolId, school.eventId, school.families[0]!.email ?? 'someone@parents.test'],
  );
  // Last: the sweep also runs once as soon as the worker starts.
  await app.db.query('UPDATE schools SET retention_days = 3650 WHERE id = $1', [school.schoolId]);
  workers = await startTestWorkers(app, { only: ['retention'], env: { ARCHIVE_AFTER_DAYS: 30 } });
});
afterAll(async () => {
  await queue?.close();
  await workers?.close();
  await app?.close();
});

async function sweep() {
  const id = `run-${++runs}`;
  await queue.add('sweep', {}, { jobId: id });
  const { state, job } = await settled(queue, id);
  expect(state, job.failedReason).toBe('completed');
}

async function counts() {
  const { rows } = await app.db.query(
    `SELECT count(*)::int AS bookings,
            count(*) FILTER (WHERE status = 'confirmed')::int AS confirmed,
            count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
            count(DISTINCT family_id)::int AS families, count(DISTINCT student_id)::int AS students,
            (SELECT count(*)::int FROM booking_log WHERE event_id = $1) AS log
       FROM bookings WHERE event_id = $1`,
    [school.eventId],
  );
  return rows[0];
}

describe('retention', () => {
  let before: Awaited<ReturnType<typeof counts>>;

  it('archives an event that ended more than ARCHIVE_AFTER_DAYS ago: read-only, still visible to its school', async () => {
    before = await counts();
    expect(before).toMatchObject({ bookings: 3, confirmed: 2, cancelled: 1, families: 3, students: 3 });
    await sweep();
    const { rows } = await app.db.query('SELECT archived_at, purged_at FROM events WHERE id = $1', [
      school.eventId,
    ]);
    expect(rows[0].archived_at).not.toBeNull();
    expect(rows[0].purged_at).toBeNull();

    const cancel = await app.api('POST', `/api/v1/bookings/${booked[0]!.bookingId}/cancel`, {
      token: adminToken,
    });
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('window_closed');
    const fam = school.families[3]!;
    const studentId = fam.studentIds[0]!;
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: adminToken });
    const free = (snap.body.slots as { id: string; state: string }[]).find((s) => s.state === 'free')!;
    const hold = await app.api('POST', '/api/v1/holds', {
      token: adminToken,
      body: { slotId: free.id, studentId, familyId: fam.id },
    });
    expect(hold.status).toBe(409);
    expect(hold.body.error.code).toBe('window_closed');
    const event = await app.api('GET', `/api/v1/events/${school.eventId}`, { token: adminToken });
    expect(event.status).toBe(200);
    expect(await counts()).toEqual(before);
    // Names are kept until the school's retention period is over.
    const { rows: fams } = await app.db.query('SELECT surname FROM families WHERE id = $1', [
      school.families[0]!.id,
    ]);
    expect(fams[0].surname).toBe(school.families[0]!.surname);
  });

  it("after the school's retention period no personal name or e-mail remains in the event's rows; counts remain", async () => {
    await app.db.query('UPDATE schools SET retention_days = 30 WHERE id = $1', [school.schoolId]);
    await sweep();
    const { rows: ev } = await app.db.query('SELECT purged_at FROM events WHERE id = $1', [school.eventId]);
    expect(ev[0].purged_at).not.toBeNull();

    const involved = booked.map((b) => school.families[b.familyIndex]!);
    const studentIds = involved.map((f) => f.studentIds[0]!);
    const personal = [
      ...involved.map((f) => f.surname),
      ...involved.flatMap((f) => (f.email ? [f.email] : [])),
      ...school.students.filter((s) => studentIds.includes(s.id)).flatMap((s) => s.name.split(' ')),
      'Ava',
      // Nor do the live people's ids: the event no longer points at them.
      ...involved.map((f) => f.id),
      ...studentIds,
    ];
    // Every row of the event and every family/student row it refers to, as text.
    const { rows } = await app.db.query<{ t: string }>(
      `SELECT row_to_json(b)::text AS t FROM bookings b WHERE b.event_id = $1
       UNION ALL SELECT row_to_json(f)::text FROM families f WHERE f.id IN (SELECT family_id FROM bookings WHERE event_id = $1)
       UNION ALL SELECT row_to_json(s)::text FROM students s WHERE s.id IN (SELECT student_id FROM bookings WHERE event_id = $1)
       UNION ALL SELECT row_to_json(n)::text FROM booking_notes n WHERE n.booking_id IN (SELECT id FROM bookings WHERE event_id = $1)
       UNION ALL SELECT row_to_json(l)::text FROM email_log l WHERE l.event_id = $1
       UNION ALL SELECT row_to_json(g)::text FROM booking_log g WHERE g.event_id = $1`,
      [school.eventId],
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const { t } of rows) for (const word of personal) expect(t).not.toContain(word);
    // The school's live families are not touched: they may be booking this term.
    const { rows: live } = await app.db.query(
      'SELECT surname, access_code_hash IS NOT NULL AS has_code FROM families WHERE id = ANY($1::uuid[]) ORDER BY surname',
      [involved.map((f) => f.id)],
    );
    expect(live.map((f) => f.surname)).toEqual(involved.map((f) => f.surname).sort());
    expect(live.every((f) => f.has_code)).toBe(true);
    // The event now refers to placeholders, which stay out of the roster.
    const { rows: refs } = await app.db.query(
      `SELECT count(*) FILTER (WHERE f.placeholder AND f.erased_at IS NOT NULL)::int AS placeholders, count(*)::int AS n
         FROM bookings b JOIN families f ON f.id = b.family_id WHERE b.event_id = $1`,
      [school.eventId],
    );
    expect(refs[0].placeholders).toBe(refs[0].n);
    // Year groups are kept for the counts.
    const { rows: years } = await app.db.query(
      `SELECT array_agg(st.year_group ORDER BY st.year_group) AS y FROM bookings b JOIN students st ON st.id = b.student_id
        WHERE b.event_id = $1`,
      [school.eventId],
    );
    const expectedYears = booked
      .map((b) => school.families[b.familyIndex]!.studentIds[0]!)
      .map(() => expect.stringMatching(/^Year \d+$/));
    expect(years[0].y).toEqual(expectedYears);
    expect(await counts()).toEqual(before);
    // Families with nothing in this event keep their data.
    const untouched = school.families[5]!;
    const { rows: keep } = await app.db.query('SELECT surname FROM families WHERE id = $1', [untouched.id]);
    expect(keep[0].surname).toBe(untouched.surname);
    // Running again changes nothing.
    await sweep();
    expect(await counts()).toEqual(before);
  });
});
