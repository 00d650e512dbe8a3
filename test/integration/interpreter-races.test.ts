import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18: an interpreter is a bookable resource, raced like a slot. N families who
// need the same single interpreter hold slots of N different teachers at the same time,
// over HTTP and sockets at once: one wins, the others are told interpreter_unavailable,
// and the database holds one live reservation. Then a second interpreter, a release,
// and the staff paths (a hold for a family, an admin move) through the same door.
const ZONE = 'Europe/London';
const N = 12;
let app: TestApp;
let school: SeededSchool;
let admin: string;
let tokens: string[];
let sockets: ClientSocket[];
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
/** Each teacher's slots, in time order: 16:00, 16:10, 16:20. */
let slotsOf: Map<string, { id: string; startsAt: string }[]>;

async function createInterpreter(name: string): Promise<string> {
  const res = await app.api('POST', '/api/v1/admin/interpreters', {
    token: admin,
    body: { name, languages: ['PL', 'uk'] },
  });
  expect(res.status).toBe(200);
  expect(res.body.languages).toEqual(['pl', 'uk']);
  const windows = await app.api(
    'PUT',
    `/api/v1/admin/events/${school.eventId}/interpreters/${res.body.id}/windows`,
    { token: admin, body: { windows: [{ date: evening, from: '15:30', to: '17:00' }] } },
  );
  expect(windows.status).toBe(200);
  return res.body.id;
}

/** Independent of the constraint: live reservations of one interpreter that overlap. */
async function overlappingReservations(): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM booking_interpreters a JOIN booking_interpreters b
        ON a.interpreter_id = b.interpreter_id AND a.booking_id < b.booking_id AND a.during && b.during
     WHERE a.status IN ('held', 'confirmed') AND b.status IN ('held', 'confirmed')`,
  );
  return rows[0]!.n;
}

/** Live bookings of families that need an interpreter yet have none reserved. */
async function bookingsWithoutInterpreter(): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM bookings b JOIN families f ON f.id = b.family_id
      WHERE f.interpreter_language IS NOT NULL AND b.status IN ('held', 'confirmed')
        AND NOT EXISTS (SELECT 1 FROM booking_interpreters bi WHERE bi.booking_id = b.id
                         AND bi.status = b.status AND bi.during = b.during)`,
  );
  return rows[0]!.n;
}

const live = async (familyId: string) =>
  (
    await app.db.query<{ id: string; interpreter_id: string | null }>(
      `SELECT b.id, bi.interpreter_id FROM bookings b
         LEFT JOIN booking_interpreters bi ON bi.booking_id = b.id AND bi.status IN ('held', 'confirmed')
        WHERE b.family_id = $1 AND b.status IN ('held', 'confirmed')`,
      [familyId],
    )
  ).rows;

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  school = await seedSmallSchool(app, {
    code: 'INTRACE',
    timeZone: ZONE,
    eveningDate: evening,
    teachers: N,
    families: N,
    teachersPerStudent: N,
    siblingShare: 0,
    slotMinutes: 10,
    maxPerStudent: N,
    from: '16:00',
    to: '16:30',
  });
  admin = await loginStaff(app, school.admin.email);
  for (const f of school.families) {
    const res = await app.api('PUT', `/api/v1/admin/families/${f.id}/interpreter`, {
      token: admin,
      body: { language: 'pl' },
    });
    expect(res.body).toEqual({ familyId: f.id, language: 'pl' });
  }
  tokens = await Promise.all(school.families.map((_, i) => loginFamily(app, school, i)));
  sockets = await Promise.all(tokens.map((t) => app.socket(t)));
  const { rows } = await app.db.query<{ id: string; staff_id: string; starts_at: Date }>(
    'SELECT id, staff_id, starts_at FROM slots WHERE event_id = $1 ORDER BY staff_id, starts_at',
    [school.eventId],
  );
  slotsOf = new Map();
  for (const r of rows)
    slotsOf.set(r.staff_id, [
      ...(slotsOf.get(r.staff_id) ?? []),
      { id: r.id, startsAt: r.starts_at.toISOString() },
    ]);
  expect([...slotsOf.values()].every((s) => s.length === 3)).toBe(true);
});
afterAll(async () => {
  for (const s of sockets ?? []) s.disconnect();
  await app?.close();
});

/** Family i's hold on teacher i's slot `k`, over a socket for even i and HTTP for odd i. */
async function hold(i: number, k: number, key: string): Promise<{ ok: boolean; code?: string; id?: string }> {
  const slotId = slotsOf.get(school.teachers[i]!.id)![k]!.id;
  const studentId = school.families[i]!.studentIds[0]!;
  if (i % 2 === 0) {
    const ack = await ask(sockets[i]!, 'slot:hold', { slotId, studentId, idempotencyKey: `interp-${key}` });
    return ack.ok ? { ok: true, id: ack.data.id } : { ok: false, code: ack.error.code };
  }
  const res = await app.api('POST', '/api/v1/holds', {
    token: tokens[i],
    body: { slotId, studentId },
    headers: { 'idempotency-key': `interp-${key}` },
  });
  if (res.status === 200) return { ok: true, id: res.body.id };
  expect(res.status).toBe(409);
  return { ok: false, code: res.body.error.code };
}

describe('N families race for one interpreter at one time, each with another teacher', () => {
  let winner = -1;
  let winnerHold = '';

  it('lets exactly one win; the others are told interpreter_unavailable and nothing is written', async () => {
    const ana = await createInterpreter('Ana');
    const answers = await Promise.all(school.families.map((_, i) => hold(i, 0, `race-${i}`)));
    const winners = answers.flatMap((a, i) => (a.ok ? [i] : []));
    expect(winners).toHaveLength(1);
    winner = winners[0]!;
    winnerHold = answers[winner]!.id!;
    expect(answers.filter((a) => !a.ok).map((a) => a.code)).toEqual(
      Array(N - 1).fill('interpreter_unavailable'),
    );
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status IN ('held', 'confirmed')`,
      [school.eventId],
    );
    expect(rows[0]!.n).toBe(1);
    expect(await live(school.families[winner]!.id)).toEqual([{ id: winnerHold, interpreter_id: ana }]);
    expect(await overlappingReservations()).toBe(0);
    expect(await bookingsWithoutInterpreter()).toBe(0);
  });

  it('gives a family the other interpreter when a second one sits at that time', async () => {
    const bea = await createInterpreter('Bea');
    const loser = (winner + 1) % N;
    const got = await hold(loser, 0, `second-${loser}`);
    expect(got.ok).toBe(true);
    expect(await live(school.families[loser]!.id)).toEqual([{ id: got.id, interpreter_id: bea }]);
    // Both are taken now: a third family is refused again.
    const third = (winner + 2) % N;
    expect(await hold(third, 0, `third-${third}`)).toEqual({ ok: false, code: 'interpreter_unavailable' });
    expect(await overlappingReservations()).toBe(0);
  });

  it('frees the interpreter when the hold is released, and another family takes them', async () => {
    const res = await app.api('DELETE', `/api/v1/holds/${winnerHold}`, {
      token: tokens[winner],
      headers: { 'idempotency-key': `interp-release-${winner}` },
    });
    expect(res.status).toBe(200);
    const { rows } = await app.db.query('SELECT status FROM booking_interpreters WHERE booking_id = $1', [
      winnerHold,
    ]);
    expect(rows[0]!.status).not.toMatch(/held|confirmed/);
    const third = (winner + 2) % N;
    const got = await hold(third, 0, `after-release-${third}`);
    expect(got.ok).toBe(true);
    expect(await bookingsWithoutInterpreter()).toBe(0);
    expect(await overlappingReservations()).toBe(0);
  });

  it('holds staff to it: a staff hold for a family and an admin move are refused when nobody is free', async () => {
    const fourth = (winner + 3) % N;
    const family = school.families[fourth]!;
    const slot00 = slotsOf.get(school.teachers[fourth]!.id)![0]!.id;
    const staffHold = await app.api('POST', '/api/v1/holds', {
      token: admin,
      body: { slotId: slot00, studentId: family.studentIds[0], familyId: family.id },
      headers: { 'idempotency-key': `interp-staff-${fourth}` },
    });
    expect(staffHold.status).toBe(409);
    expect(staffHold.body.error.code).toBe('interpreter_unavailable');

    // At 16:10 both interpreters are free: the family books, confirms, and the admin
    // then tries to move it back to 16:00, where both are taken.
    const slot10 = slotsOf.get(school.teachers[fourth]!.id)![1]!.id;
    const held = await hold(fourth, 1, `fourth-${fourth}`);
    expect(held.ok).toBe(true);
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token: tokens[fourth],
      body: { eventId: school.eventId },
      headers: { 'idempotency-key': `interp-confirm-${fourth}` },
    });
    expect(confirmed.status).toBe(200);
    const { rows: kept } = await app.db.query(
      'SELECT status, interpreter_id FROM booking_interpreters WHERE booking_id = $1',
      [held.id],
    );
    expect(kept[0]!.status).toBe('confirmed');
    const move = await app.api('POST', `/api/v1/admin/bookings/${held.id}/move`, {
      token: admin,
      body: { slotId: slot00 },
      headers: { 'idempotency-key': `interp-move-${fourth}` },
    });
    expect(move.status).toBe(409);
    expect(move.body.error.code).toBe('interpreter_unavailable');
    const { rows: still } = await app.db.query(
      'SELECT b.slot_id, bi.interpreter_id, lower(bi.during) AS lo FROM bookings b JOIN booking_interpreters bi ON bi.booking_id = b.id WHERE b.id = $1',
      [held.id],
    );
    expect(still[0]!.slot_id).toBe(slot10);
    expect(still[0]!.interpreter_id).toBe(kept[0]!.interpreter_id);

    // The family's own one-step move to 16:20 takes its interpreter along.
    const slot20 = slotsOf.get(school.teachers[fourth]!.id)![2]!;
    const own = await app.api('POST', `/api/v1/bookings/${held.id}/move`, {
      token: tokens[fourth],
      body: { slotId: slot20.id },
      headers: { 'idempotency-key': `interp-own-move-${fourth}` },
    });
    expect(own.status).toBe(200);
    const { rows: moved } = await app.db.query(
      'SELECT lower(during) AS lo, status FROM booking_interpreters WHERE booking_id = $1',
      [held.id],
    );
    expect(moved[0]!.lo.toISOString()).toBe(slot20.startsAt);
    expect(moved[0]!.status).toBe('confirmed');
    expect(await bookingsWithoutInterpreter()).toBe(0);
    expect(await overlappingReservations()).toBe(0);
  });
});
