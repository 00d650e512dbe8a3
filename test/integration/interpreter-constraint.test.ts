import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

// Proves with plain SQL (no application code) that the database itself keeps an
// interpreter out of two meetings at once (migration 033's booking_interpreters_no_overlap),
// that only live reservations bind, and that the reservation trigger
// (server/sql/booking-interpreters.sql) reserves, frees and refuses on its own.
let database: TestDatabase;
let db: pg.Client;

const ids = {
  school: '00000000-0000-4000-8000-000000000001',
  other: '00000000-0000-4000-8000-000000000002',
  t1: '00000000-0000-4000-8000-000000000011',
  t2: '00000000-0000-4000-8000-000000000012',
  t3: '00000000-0000-4000-8000-000000000013',
  famA: '00000000-0000-4000-8000-000000000021',
  famB: '00000000-0000-4000-8000-000000000022',
  famC: '00000000-0000-4000-8000-000000000023',
  kidA: '00000000-0000-4000-8000-000000000031',
  kidB: '00000000-0000-4000-8000-000000000032',
  kidC: '00000000-0000-4000-8000-000000000033',
  event: '00000000-0000-4000-8000-000000000041',
  ana: '00000000-0000-4000-8000-000000000051',
  stranger: '00000000-0000-4000-8000-000000000052',
};
const slot = (n: number) => `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await db.query(`
    INSERT INTO schools (id, code, name, time_zone) VALUES
      ('${ids.school}', 'SQLI', 'SQL School', 'Europe/London'), ('${ids.other}', 'SQLO', 'Other', 'Europe/London');
    INSERT INTO staff (id, school_id, email, first_name, surname) VALUES
      ('${ids.t1}', '${ids.school}', 't1@x.test', 'Tess', 'One'), ('${ids.t2}', '${ids.school}', 't2@x.test', 'Tom', 'Two'),
      ('${ids.t3}', '${ids.school}', 't3@x.test', 'Tia', 'Three');
    INSERT INTO families (id, school_id, surname) VALUES
      ('${ids.famA}', '${ids.school}', 'A'), ('${ids.famB}', '${ids.school}', 'B'), ('${ids.famC}', '${ids.school}', 'C');
    INSERT INTO students (id, school_id, first_name, surname) VALUES
      ('${ids.kidA}', '${ids.school}', 'Kid', 'A'), ('${ids.kidB}', '${ids.school}', 'Kid', 'B'), ('${ids.kidC}', '${ids.school}', 'Kid', 'C');
    INSERT INTO family_students VALUES ('${ids.famA}', '${ids.kidA}'), ('${ids.famB}', '${ids.kidB}'), ('${ids.famC}', '${ids.kidC}');
    INSERT INTO events (id, school_id, name, booking_opens_at, booking_closes_at)
      VALUES ('${ids.event}', '${ids.school}', 'E', now(), now() + interval '1 day');
    -- Three teachers at 17:00 (so three families can meet at once), one later slot.
    INSERT INTO slots (id, event_id, staff_id, starts_at, ends_at) VALUES
      ('${slot(1)}', '${ids.event}', '${ids.t1}', '2026-12-01 17:00Z', '2026-12-01 17:10Z'),
      ('${slot(2)}', '${ids.event}', '${ids.t2}', '2026-12-01 17:05Z', '2026-12-01 17:15Z'),
      ('${slot(3)}', '${ids.event}', '${ids.t3}', '2026-12-01 17:00Z', '2026-12-01 17:10Z'),
      ('${slot(4)}', '${ids.event}', '${ids.t1}', '2026-12-01 17:30Z', '2026-12-01 17:40Z'),
      ('${slot(5)}', '${ids.event}', '${ids.t2}', '2026-12-01 19:00Z', '2026-12-01 19:10Z');
    INSERT INTO interpreters (id, school_id, name, languages) VALUES
      ('${ids.ana}', '${ids.school}', 'Ana', ARRAY['pl', 'pt-BR']),
      ('${ids.stranger}', '${ids.other}', 'Stranger', ARRAY['pl']);
    INSERT INTO interpreter_availability (interpreter_id, event_id, starts_at, ends_at) VALUES
      ('${ids.ana}', '${ids.event}', '2026-12-01 16:30Z', '2026-12-01 18:00Z');
  `);
});
afterAll(async () => {
  await db?.end();
  await database?.drop();
});

/** A plain INSERT of a booking: the triggers fill its times from the slot. */
async function book(slotN: number, family: string, kid: string, status = 'confirmed'): Promise<string> {
  const { rows } = await db.query(
    `INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, created_by)
     VALUES ($1, $2, $3, $4::booking_status, CASE WHEN $4::text = 'held' THEN now() + interval '2 minutes' END, 'family')
     RETURNING id`,
    [slot(slotN), family, kid, status],
  );
  return rows[0].id;
}

const reserve = (bookingId: string, interpreter = ids.ana) =>
  db.query(`INSERT INTO booking_interpreters (booking_id, interpreter_id, language) VALUES ($1, $2, 'pl')`, [
    bookingId,
    interpreter,
  ]);

async function refusal(p: Promise<unknown>): Promise<{ code: string; constraint?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; constraint?: string; message: string };
    return { code: e.code, constraint: e.constraint, message: e.message };
  }
  throw new Error('the database accepted it');
}

const reservations = async () =>
  (
    await db.query<{ booking_id: string; status: string; lo: Date }>(
      'SELECT booking_id, status, lower(during) AS lo FROM booking_interpreters ORDER BY created_at, booking_id',
    )
  ).rows;

describe('the database keeps an interpreter out of two meetings at once', () => {
  let first: string;
  let second: string;

  it('accepts a reservation and copies the booking’s time and state', async () => {
    first = await book(1, ids.famA, ids.kidA);
    await reserve(first);
    const { rows } = await db.query(
      'SELECT status, lower(during) AS lo, upper(during) AS hi, event_id FROM booking_interpreters WHERE booking_id = $1',
      [first],
    );
    expect(rows[0]).toMatchObject({ status: 'confirmed', event_id: ids.event });
    expect(rows[0].lo.toISOString()).toBe('2026-12-01T17:00:00.000Z');
    expect(rows[0].hi.toISOString()).toBe('2026-12-01T17:10:00.000Z');
  });

  it('refuses a second live reservation of the interpreter that overlaps (23P01, by name)', async () => {
    // Another family's meeting with another teacher, 17:05–17:15: overlaps 17:00–17:10.
    second = await book(2, ids.famB, ids.kidB, 'held');
    expect(await refusal(reserve(second))).toMatchObject({
      code: '23P01',
      constraint: 'booking_interpreters_no_overlap',
    });
  });

  it('lets a cancelled booking’s reservation stop binding, and keeps its row', async () => {
    await db.query(`UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`, [first]);
    await expect(reserve(second)).resolves.toBeTruthy();
    const rows = await reservations();
    expect(rows.map((r) => [r.booking_id, r.status])).toEqual([
      [first, 'cancelled'],
      [second, 'held'],
    ]);
  });

  it('follows a booking’s status: a confirmed hold still binds, an expired one does not', async () => {
    await db.query(`UPDATE bookings SET status = 'confirmed', expires_at = NULL WHERE id = $1`, [second]);
    const third = await book(3, ids.famC, ids.kidC);
    expect(await refusal(reserve(third))).toMatchObject({ constraint: 'booking_interpreters_no_overlap' });
    await db.query(`UPDATE bookings SET status = 'expired', ended_at = now() WHERE id = $1`, [second]);
    await expect(reserve(third)).resolves.toBeTruthy();
    await db.query(`UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`, [third]);
  });

  it('refuses an interpreter of another school', async () => {
    const b = await book(4, ids.famA, ids.kidA);
    expect((await refusal(reserve(b, ids.stranger))).code).toBe('23503');
    await db.query(`UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`, [b]);
  });
});

describe('the reservation trigger, in plain SQL', () => {
  it('reserves a free interpreter for a family that needs one, in the booking’s own statement', async () => {
    await db.query(`UPDATE families SET interpreter_language = 'pl' WHERE id IN ($1, $2)`, [
      ids.famA,
      ids.famB,
    ]);
    const a = await book(1, ids.famA, ids.kidA);
    const { rows } = await db.query(
      'SELECT interpreter_id, status FROM booking_interpreters WHERE booking_id = $1',
      [a],
    );
    expect(rows).toEqual([{ interpreter_id: ids.ana, status: 'confirmed' }]);
  });

  it('refuses an overlapping booking when the only interpreter is taken, writing nothing', async () => {
    const before = await db.query('SELECT count(*)::int AS n FROM bookings');
    const err = await refusal(book(2, ids.famB, ids.kidB));
    expect(err).toMatchObject({ code: 'P0001', message: 'interpreter_unavailable' });
    const after = await db.query('SELECT count(*)::int AS n FROM bookings');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses a time outside every window of the interpreters', async () => {
    // 19:00 is after Ana's window (16:30–18:00).
    expect((await refusal(book(5, ids.famB, ids.kidB))).message).toBe('interpreter_unavailable');
  });

  it('matches languages by prefix: a pt-BR interpreter serves a family asking for pt', async () => {
    await db.query(`UPDATE families SET interpreter_language = 'pt' WHERE id = $1`, [ids.famC]);
    const c = await book(4, ids.famC, ids.kidC, 'held');
    const { rows } = await db.query('SELECT interpreter_id FROM booking_interpreters WHERE booking_id = $1', [
      c,
    ]);
    expect(rows[0].interpreter_id).toBe(ids.ana);
    await db.query(`UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE id = $1`, [c]);
  });

  it('frees the interpreter when the booking is cancelled, so another family gets them', async () => {
    await db.query(
      `UPDATE bookings SET status = 'cancelled', ended_at = now() WHERE family_id = $1 AND status = 'confirmed'`,
      [ids.famA],
    );
    const b = await book(2, ids.famB, ids.kidB);
    const { rows } = await db.query('SELECT interpreter_id FROM booking_interpreters WHERE booking_id = $1', [
      b,
    ]);
    expect(rows[0].interpreter_id).toBe(ids.ana);
  });

  it('moves the reservation with the booking, and refuses a move the interpreter cannot follow', async () => {
    const { rows } = await db.query(`SELECT id FROM bookings WHERE family_id = $1 AND status = 'confirmed'`, [
      ids.famB,
    ]);
    const b = rows[0].id;
    await db.query('UPDATE bookings SET slot_id = $2 WHERE id = $1', [b, slot(4)]);
    const moved = await db.query(
      'SELECT lower(during) AS lo FROM booking_interpreters WHERE booking_id = $1',
      [b],
    );
    expect(moved.rows[0].lo.toISOString()).toBe('2026-12-01T17:30:00.000Z');
    // 19:00 is outside the window: the move fails and the booking stays at 17:30.
    expect(
      (await refusal(db.query('UPDATE bookings SET slot_id = $2 WHERE id = $1', [b, slot(5)]))).message,
    ).toBe('interpreter_unavailable');
    const still = await db.query('SELECT slot_id FROM bookings WHERE id = $1', [b]);
    expect(still.rows[0].slot_id).toBe(slot(4));
  });
});
