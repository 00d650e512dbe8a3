import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A family's one-step move: the family picks the new time while the old
 * appointment stays theirs; the move passes the booking door with no override and
 * commits as one change, or nothing changes.
 */
let app: TestApp;
let school: SeededSchool; // one teacher who teaches every child: every family races for the same slots
let policy: SeededSchool; // four teachers, one per child: a teacher who does not teach the child exists
const tokens = new Map<string, string>();

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  school = await seedSmallSchool(app, {
    code: 'MOVE',
    teachers: 1,
    families: 40,
    teachersPerStudent: 1,
    siblingShare: 0,
  });
  policy = await seedSmallSchool(app, {
    code: 'MOVE2',
    teachers: 4,
    families: 6,
    teachersPerStudent: 1,
    siblingShare: 0,
  });
});
afterAll(() => app?.close());

async function tokenOf(s: SeededSchool, i: number): Promise<string> {
  const key = `${s.schoolCode}/${i}`;
  if (!tokens.has(key)) tokens.set(key, await loginFamily(app, s, i));
  return tokens.get(key)!;
}

async function freeSlotsOf(teacherId: string, eventId: string): Promise<string[]> {
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND booking_is_active(b.status, b.expires_at))
      ORDER BY s.starts_at`,
    [eventId, teacherId],
  );
  return rows.map((r) => r.id);
}

/** A family books its first child with the child's first teacher, itself, through the API. */
async function book(s: SeededSchool, i: number, slotId: string) {
  const token = await tokenOf(s, i);
  const studentId = s.families[i]!.studentIds[0]!;
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: s.eventId, holdIds: [held.body.id] },
  });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return { token, bookingId: held.body.id as string, studentId };
}

async function bookingRow(id: string) {
  const { rows } = await app.db.query('SELECT slot_id, status::text AS status FROM bookings WHERE id = $1', [
    id,
  ]);
  return rows[0];
}

function teacherOf(s: SeededSchool, i: number): string {
  const studentId = s.families[i]!.studentIds[0]!;
  return s.students.find((x) => x.id === studentId)!.teacherIds[0]!;
}

describe("a family's one-step move", () => {
  it('moves the appointment in one change, logged as moved by the family, with the change mail in the outbox', async () => {
    const teacher = teacherOf(school, 0);
    const [a, b] = await freeSlotsOf(teacher, school.eventId);
    const { token, bookingId } = await book(school, 0, a!);
    const moved = await app.api('POST', `/api/v1/bookings/${bookingId}/move`, {
      token,
      body: { slotId: b },
      headers: { 'idempotency-key': `move-${bookingId}` },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ id: bookingId, slotId: b, status: 'confirmed' });
    expect(await bookingRow(bookingId)).toEqual({ slot_id: b, status: 'confirmed' });
    const { rows: log } = await app.db.query(
      `SELECT action, slot_id, actor_kind, override FROM booking_log WHERE booking_id = $1 AND action = 'moved' ORDER BY id`,
      [bookingId],
    );
    expect(log).toEqual([
      { action: 'moved', slot_id: a, actor_kind: 'family', override: null },
      { action: 'moved', slot_id: b, actor_kind: 'family', override: null },
    ]);
    const { rows: mail } = await app.db.query(
      `SELECT mail_kind, actor_kind FROM outbox WHERE topic = 'mail' AND $1 = ANY(booking_ids) AND mail_kind = 'changed'`,
      [bookingId],
    );
    expect(mail).toEqual([{ mail_kind: 'changed', actor_kind: 'family' }]);
    // The old time is free for everyone again.
    expect(await freeSlotsOf(teacher, school.eventId)).toContain(a);

    // A repeat of the same request is the same answer, not a second move.
    const again = await app.api('POST', `/api/v1/bookings/${bookingId}/move`, {
      token,
      body: { slotId: b },
      headers: { 'idempotency-key': `move-${bookingId}` },
    });
    expect(again.status).toBe(200);
    expect(again.body.slotId).toBe(b);
    const mismatch = await app.api('POST', `/api/v1/bookings/${bookingId}/move`, {
      token,
      body: { slotId: a },
      headers: { 'idempotency-key': `move-${bookingId}` },
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('idempotency_mismatch');
    expect(await bookingRow(bookingId)).toEqual({ slot_id: b, status: 'confirmed' });
  });

  it('moves over the socket too (booking:move), with the same answer shape', async () => {
    const teacher = teacherOf(school, 30);
    const [a, b] = await freeSlotsOf(teacher, school.eventId);
    const { token, bookingId } = await book(school, 30, a!);
    const socket = await app.socket(token);
    try {
      const res = await ask(socket, 'booking:move', {
        bookingId,
        slotId: b,
        idempotencyKey: `sock-${bookingId}`,
      });
      expect(res.ok, JSON.stringify(res)).toBe(true);
      expect(res.data).toMatchObject({ id: bookingId, slotId: b, status: 'confirmed' });
      expect(await bookingRow(bookingId)).toEqual({ slot_id: b, status: 'confirmed' });
      const refused = await ask(socket, 'booking:move', {
        bookingId,
        slotId: b,
        idempotencyKey: `sock2-${bookingId}`,
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    } finally {
      socket.disconnect();
    }
  });

  it('keeps the old appointment when the new time is taken', async () => {
    const teacher = teacherOf(school, 1);
    const [a, b] = await freeSlotsOf(teacher, school.eventId);
    const mover = await book(school, 1, a!);
    const other = await tokenOf(school, 2);
    const held = await app.api('POST', '/api/v1/holds', {
      token: other,
      body: { slotId: b, studentId: school.families[2]!.studentIds[0] },
    });
    expect(held.status).toBe(200);
    const moved = await app.api('POST', `/api/v1/bookings/${mover.bookingId}/move`, {
      token: mover.token,
      body: { slotId: b },
    });
    expect(moved.status).toBe(409);
    expect(moved.body.error.code).toBe('slot_taken');
    expect(await bookingRow(mover.bookingId)).toEqual({ slot_id: a, status: 'confirmed' });
  });

  it('refuses, changing nothing: another family’s booking, another teacher, the cut-off, the fair start, a blocked slot', async () => {
    const teacher = teacherOf(policy, 0);
    const [a, b, c] = await freeSlotsOf(teacher, policy.eventId);
    const mine = await book(policy, 0, a!);
    const stranger = await tokenOf(policy, 1);
    const expectRefused = async (token: string, slotId: string, status: number, code: string) => {
      const res = await app.api('POST', `/api/v1/bookings/${mine.bookingId}/move`, {
        token,
        body: { slotId },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error).not.toHaveProperty('stack');
      expect(await bookingRow(mine.bookingId)).toEqual({ slot_id: a, status: 'confirmed' });
    };
    await expectRefused(stranger, b!, 404, 'not_found');
    // A teacher who does not teach this child: the door says so before the same-teacher rule.
    const otherTeacher = policy.teachers.find((t) => t.id !== teacher)!.id;
    const foreign = (await freeSlotsOf(otherTeacher, policy.eventId))[0]!;
    await expectRefused(mine.token, foreign, 403, 'not_your_teacher');
    // Another school's slot is not found, like a missing one.
    await expectRefused(
      mine.token,
      (await freeSlotsOf(teacherOf(school, 3), school.eventId))[0]!,
      404,
      'not_found',
    );
    await expectRefused(mine.token, a!, 400, 'invalid_input');

    await app.db.query(`UPDATE events SET cancel_cutoff_at = now() - interval '1 minute' WHERE id = $1`, [
      policy.eventId,
    ]);
    try {
      await expectRefused(mine.token, b!, 409, 'window_closed');
    } finally {
      await app.db.query('UPDATE events SET cancel_cutoff_at = NULL WHERE id = $1', [policy.eventId]);
    }
    // Booking not yet open (a family changing before the opening would jump the start).
    await app.db.query(
      `UPDATE events SET booking_opens_at = now() + interval '1 hour', booking_closes_at = now() + interval '2 days' WHERE id = $1`,
      [policy.eventId],
    );
    try {
      await expectRefused(mine.token, b!, 409, 'window_closed');
    } finally {
      await app.db.query(`UPDATE events SET booking_opens_at = now() - interval '1 hour' WHERE id = $1`, [
        policy.eventId,
      ]);
    }
    await app.db.query(
      `UPDATE events SET booking_mode = 'fair_start', fair_allocated_at = NULL WHERE id = $1`,
      [policy.eventId],
    );
    try {
      await expectRefused(mine.token, b!, 409, 'fair_start_pending');
    } finally {
      await app.db.query(`UPDATE events SET booking_mode = 'fcfs' WHERE id = $1`, [policy.eventId]);
    }
    await app.db.query('UPDATE slots SET blocked = true WHERE id = $1', [c]);
    await expectRefused(mine.token, c!, 409, 'slot_taken');

    // Staff use their own route; this one is the family's.
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM booking_log WHERE booking_id = $1 AND action = $2',
      [mine.bookingId, 'moved'],
    );
    expect(rows[0].n).toBe(0);
  });

  it('two families race for the new time while a third moves into it: exactly one wins, a losing mover keeps the old time', async () => {
    const teacher = teacherOf(school, 3);
    let moverWon = 0;
    let holderWon = 0;
    for (let round = 0; round < 8; round++) {
      const base = 3 + round * 3;
      const [a, target] = await freeSlotsOf(teacher, school.eventId);
      const mover = await book(school, base, a!);
      const racers = await Promise.all([tokenOf(school, base + 1), tokenOf(school, base + 2)]);
      const [move, ...holds] = await Promise.all([
        app.api('POST', `/api/v1/bookings/${mover.bookingId}/move`, {
          token: mover.token,
          body: { slotId: target },
        }),
        ...racers.map((token, k) =>
          app.api('POST', '/api/v1/holds', {
            token,
            body: { slotId: target, studentId: school.families[base + 1 + k]!.studentIds[0] },
          }),
        ),
      ]);
      const answers = [move!, ...holds];
      const winners = answers.filter((r) => r.status === 200);
      expect(winners, JSON.stringify(answers.map((r) => r.body))).toHaveLength(1);
      for (const r of answers.filter((x) => x.status !== 200)) expect(r.body.error.code).toBe('slot_taken');
      const { rows } = await app.db.query(
        `SELECT count(*)::int AS n FROM bookings WHERE slot_id = $1 AND booking_is_active(status, expires_at)`,
        [target],
      );
      expect(rows[0].n).toBe(1);
      if (move!.status === 200) {
        moverWon++;
        expect(await bookingRow(mover.bookingId)).toEqual({ slot_id: target, status: 'confirmed' });
      } else {
        holderWon++;
        expect(await bookingRow(mover.bookingId)).toEqual({ slot_id: a, status: 'confirmed' });
      }
    }
    expect(moverWon + holderWon).toBe(8);
  });
});
