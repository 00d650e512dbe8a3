import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

// Proves, with plain SQL and no application code, that the database itself refuses
// every kind of double booking. The application's checks are only the friendly front.
let database: TestDatabase;
let db: pg.Client;

const ids = {
  school: '00000000-0000-4000-8000-000000000001',
  t1: '00000000-0000-4000-8000-000000000011',
  t2: '00000000-0000-4000-8000-000000000012',
  famA: '00000000-0000-4000-8000-000000000021',
  famB: '00000000-0000-4000-8000-000000000022',
  kid1: '00000000-0000-4000-8000-000000000031',
  kid2: '00000000-0000-4000-8000-000000000032',
  event: '00000000-0000-4000-8000-000000000041',
};
const slot = (n: number) => `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`;

beforeAll(async () => {
  database = await createTestDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await db.query(`
    INSERT INTO schools (id, code, name, time_zone) VALUES ('${ids.school}', 'SQLT', 'SQL School', 'Europe/London');
    INSERT INTO staff (id, school_id, email, first_name, surname) VALUES
      ('${ids.t1}', '${ids.school}', 't1@x.test', 'Tess', 'One'), ('${ids.t2}', '${ids.school}', 't2@x.test', 'Tom', 'Two');
    INSERT INTO families (id, school_id, surname) VALUES ('${ids.famA}', '${ids.school}', 'A'), ('${ids.famB}', '${ids.school}', 'B');
    INSERT INTO students (id, school_id, first_name, surname) VALUES
      ('${ids.kid1}', '${ids.school}', 'Kid', 'One'), ('${ids.kid2}', '${ids.school}', 'Kid', 'Two');
    -- kid1 has two families (separated parents); kid2 is kid1's sibling in family A.
    INSERT INTO family_students VALUES ('${ids.famA}', '${ids.kid1}'), ('${ids.famB}', '${ids.kid1}'), ('${ids.famA}', '${ids.kid2}');
    INSERT INTO events (id, school_id, name, booking_opens_at, booking_closes_at, gap_minutes)
      VALUES ('${ids.event}', '${ids.school}', 'E', now(), now() + interval '1 day', 10);
    INSERT INTO slots (id, event_id, staff_id, starts_at, ends_at) VALUES
      ('${slot(1)}', '${ids.event}', '${ids.t1}', '2026-12-01 17:00Z', '2026-12-01 17:05Z'),
      ('${slot(2)}', '${ids.event}', '${ids.t2}', '2026-12-01 17:00Z', '2026-12-01 17:05Z'),
      ('${slot(3)}', '${ids.event}', '${ids.t2}', '2026-12-01 17:10Z', '2026-12-01 17:15Z'),
      ('${slot(4)}', '${ids.event}', '${ids.t2}', '2026-12-01 17:15Z', '2026-12-01 17:20Z'),
      ('${slot(5)}', '${ids.event}', '${ids.t1}', '2026-12-01 17:30Z', '2026-12-01 17:35Z');
  `);
});
afterAll(async () => {
  await db?.end();
  await database?.drop();
});

/** Plain INSERT of an active booking: the trigger fills times, event and teacher from the slot. */
async function book(slotN: number, family: string, kid: string, status = 'confirmed') {
  return db.query(
    `INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, created_by)
     VALUES ($1, $2, $3, $4::booking_status, CASE WHEN $4::text = 'held' THEN now() + interval '2 minutes' END, 'family') RETURNING id`,
    [slot(slotN), family, kid, status],
  );
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; constraint: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; constraint: string };
    return { code: e.code, constraint: e.constraint };
  }
  throw new Error('the database accepted it');
}

describe('the database refuses double bookings on its own', () => {
  it('accepts a first booking and fills its times from the slot', async () => {
    const { rows } = await book(1, ids.famA, ids.kid1);
    const b = await db.query(
      'SELECT staff_id, lower(during) AS s, upper(guard) AS g FROM bookings WHERE id = $1',
      [rows[0].id],
    );
    expect(b.rows[0].staff_id).toBe(ids.t1);
    expect(b.rows[0].s.toISOString()).toBe('2026-12-01T17:00:00.000Z');
    // Widened by half of the 10-minute gap.
    expect(b.rows[0].g.toISOString()).toBe('2026-12-01T17:10:00.000Z');
  });

  it('refuses a second active booking on the same slot (partial unique index → 23505)', async () => {
    expect(await refusal(book(1, ids.famB, ids.kid1, 'held'))).toEqual({
      code: '23505',
      constraint: 'bookings_one_per_slot',
    });
  });

  it('refuses a sibling appointment at the same time (family exclusion → 23P01)', async () => {
    expect(await refusal(book(2, ids.famA, ids.kid2))).toEqual({
      code: '23P01',
      constraint: 'bookings_family_clash',
    });
  });

  it('refuses a child booked at the same time by the other parent’s family', async () => {
    expect(await refusal(book(2, ids.famB, ids.kid1))).toEqual({
      code: '23P01',
      constraint: 'bookings_student_clash',
    });
  });

  it('refuses an appointment closer than the event’s gap (widened-range exclusion)', async () => {
    // slot 1 ends 17:05, slot 3 starts 17:10: 5 minutes < the 10-minute gap.
    expect(await refusal(book(3, ids.famA, ids.kid2))).toEqual({
      code: '23P01',
      constraint: 'bookings_family_gap',
    });
  });

  it('accepts an appointment exactly one gap away', async () => {
    await expect(book(4, ids.famA, ids.kid2)).resolves.toBeTruthy();
  });

  it('refuses a second appointment of one child with the same teacher', async () => {
    expect(await refusal(book(5, ids.famA, ids.kid1))).toEqual({
      code: '23505',
      constraint: 'bookings_one_per_teacher',
    });
  });

  it('frees the slot once the booking is cancelled, and keeps the cancelled row', async () => {
    await db.query(`UPDATE bookings SET status = 'cancelled' WHERE slot_id = $1`, [slot(1)]);
    await expect(book(1, ids.famB, ids.kid1)).resolves.toBeTruthy();
    const { rows } = await db.query('SELECT status FROM bookings WHERE slot_id = $1 ORDER BY created_at', [
      slot(1),
    ]);
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'confirmed']);
  });

  it('refuses overlapping slots for one teacher', async () => {
    const err = await refusal(
      db.query(
        `INSERT INTO slots (event_id, staff_id, starts_at, ends_at) VALUES ($1, $2, '2026-12-01 17:02Z', '2026-12-01 17:07Z')`,
        [ids.event, ids.t1],
      ),
    );
    expect(err.code).toBe('23P01');
  });

  it('keeps the booking log append-only', async () => {
    await db.query(
      `INSERT INTO booking_log (event_id, slot_id, action, actor_kind, version) VALUES ($1, $2, 'held', 'system', 1)`,
      [ids.event, slot(1)],
    );
    expect((await refusal(db.query('UPDATE booking_log SET version = 2'))).code).toBe('42501');
    expect((await refusal(db.query('DELETE FROM booking_log'))).code).toBe('42501');
  });

  it('lets retention re-point a log row at a placeholder family, and nothing else', async () => {
    await db.query('BEGIN');
    try {
      await db.query(`SET LOCAL confer.retention = 'on'`);
      expect((await refusal(db.query('UPDATE booking_log SET version = version + 1'))).code).toBe('42501');
    } finally {
      await db.query('ROLLBACK');
    }
    await db.query('BEGIN');
    try {
      await db.query(`SET LOCAL confer.retention = 'on'`);
      const { rowCount } = await db.query('UPDATE booking_log SET family_id = $1', [ids.famB]);
      expect(rowCount).toBeGreaterThan(0);
    } finally {
      await db.query('ROLLBACK');
    }
  });
});
