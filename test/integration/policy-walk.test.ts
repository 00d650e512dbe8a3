import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents } from '../../protocol/socket-events.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The booking policy walk (docs/booking-door.md). A family of school A
 * calls every operation of the OpenAPI document that is not a GET (so a route added
 * tomorrow is walked without anyone listing it here) and every socket command, in
 * each state in which the booking policy must refuse it a booking: the window not
 * yet open, the window closed, a fair start collecting, the virtual queue not yet
 * letting it in, its child's cap reached, no interpreter free for a family that needs
 * one, and with another family's or another school's ids. After every call the bookings and offers tables are read back: no
 * booking may have become active or been lengthened, no offer may have been made or
 * accepted. Letting go (release, cancel before the cut-off, decline) is not taking
 * and the rules do not stop it, except the cut-off in the closed window.
 *
 * The same walk runs as an admin of school A in each state (the staff paths): staff
 * may act outside the family rules, but only through the door, so after each call
 * either nothing changed, or every changed booking and slot is in booking_log by that
 * admin with the named override 'staff'. An admin of school A naming school B's ids,
 * and school B's admin naming A's, change nothing at all.
 */
let app: TestApp;
let a: SeededSchool;
let b: SeededSchool;
const ids: Record<string, string> = {};
const foreign: Record<string, string> = {};

interface BookingSnap {
  id: string;
  slot_id: string;
  status: string;
  expires_at: string | null;
}
interface OfferSnap {
  id: string;
  status: string;
}

async function snapshot(): Promise<{ bookings: Map<string, BookingSnap>; offers: Map<string, OfferSnap> }> {
  const { rows: bookings } = await app.db.query<BookingSnap>(
    `SELECT id, slot_id, status::text AS status, expires_at::text AS expires_at FROM bookings`,
  );
  const { rows: offers } = await app.db.query<OfferSnap>('SELECT id, status FROM offers');
  return {
    bookings: new Map(bookings.map((r) => [r.id, r])),
    offers: new Map(offers.map((r) => [r.id, r])),
  };
}

/** What a call gained against the rules, by SQL: empty when it took nothing. */
function gained(
  before: Awaited<ReturnType<typeof snapshot>>,
  after: Awaited<ReturnType<typeof snapshot>>,
  state: string,
): string[] {
  const out: string[] = [];
  const active = (s: string) => s === 'held' || s === 'confirmed';
  for (const [id, row] of after.bookings) {
    const was = before.bookings.get(id);
    if (!was) {
      if (active(row.status)) out.push(`booking ${row.status} on slot ${row.slot_id}`);
      continue;
    }
    // Confirming a hold the family already has takes no new slot; the window's rules
    // still refuse it (confer_confirm), and the walk checks that in those states.
    const confirmsOwnHold =
      was.status === 'held' && row.status === 'confirmed' && !state.startsWith('window');
    if (active(row.status) && (!active(was.status) || row.status !== was.status) && !confirmsOwnHold)
      out.push(`booking ${id} ${was.status} → ${row.status}`);
    if (row.slot_id !== was.slot_id) out.push(`booking ${id} moved`);
    // More time on a hold already counted under the cap, and already holding its
    // interpreter, is no new appointment.
    if (
      row.expires_at !== was.expires_at &&
      row.status === 'held' &&
      state !== 'cap reached' &&
      state !== 'no interpreter free'
    )
      out.push(`hold ${id} lengthened`);
    // The cancellation cut-off: after it, a family cannot end its confirmed booking either.
    if (state === 'window closed' && was.status === 'confirmed' && row.status !== 'confirmed')
      out.push(`booking ${id} cancelled after the cut-off`);
  }
  for (const [id, row] of after.offers) {
    const was = before.offers.get(id);
    if (!was) out.push(`offer made (${row.status})`);
    else if (row.status === 'accepted' && was.status !== 'accepted') out.push(`offer ${id} accepted`);
  }
  return out;
}

interface StaffSnap {
  /** Every booking, slot and offer as text, by id: any difference is a change. */
  bookings: Map<string, string>;
  slots: Map<string, string>;
  offers: Map<string, { row: string; kind: string; status: string; replaces: string | null; slot: string }>;
  events: Map<string, string>;
  logAfter: number;
}

async function staffSnapshot(): Promise<StaffSnap> {
  const [bookings, slots, offers, events, log] = await Promise.all([
    app.db.query<{ id: string; row: string }>(
      `SELECT id, concat_ws('|', slot_id, status, expires_at, starts_at, ends_at, family_id, student_id) AS row
         FROM bookings`,
    ),
    app.db.query<{ id: string; row: string }>(
      `SELECT id, concat_ws('|', event_id, staff_id, starts_at, ends_at, blocked) AS row FROM slots`,
    ),
    app.db.query<{
      id: string;
      row: string;
      kind: string;
      status: string;
      replaces: string | null;
      slot: string;
    }>(
      `SELECT id, concat_ws('|', slot_id, family_id, status) AS row, kind, status,
              replaces_booking_id AS replaces, slot_id AS slot FROM offers`,
    ),
    app.db.query<{ id: string; row: string }>('SELECT id, row_to_json(e)::text AS row FROM events e'),
    app.db.query<{ max: string | null }>('SELECT max(id)::text AS max FROM booking_log'),
  ]);
  const byId = (rows: { id: string; row: string }[]) => new Map(rows.map((r) => [r.id, r.row]));
  return {
    bookings: byId(bookings.rows),
    slots: byId(slots.rows),
    offers: new Map(offers.rows.map((r) => [r.id, r])),
    events: byId(events.rows),
    logAfter: Number(log.rows[0]!.max ?? 0),
  };
}

function changedIds<T>(
  before: Map<string, T>,
  after: Map<string, T>,
  same: (x: T, y: T) => boolean,
): string[] {
  const out: string[] = [];
  for (const [id, row] of after) if (!before.has(id) || !same(before.get(id)!, row)) out.push(id);
  for (const id of before.keys()) if (!after.has(id)) out.push(id);
  return out;
}

/**
 * What a staff call changed without the door: a booking or slot change with no log
 * row by that admin under the override 'staff', an offer made that no logged staff
 * change explains or an offer accepted without one. With `foreign`, any change at all.
 */
async function staffGained(before: StaffSnap, after: StaffSnap, adminId: string, foreign: boolean) {
  const eq = (x: string, y: string) => x === y;
  const bookings = changedIds(before.bookings, after.bookings, eq);
  const slots = changedIds(before.slots, after.slots, eq);
  const offers = changedIds(before.offers, after.offers, (x, y) => x.row === y.row);
  if (foreign) {
    const events = changedIds(before.events, after.events, eq);
    return [
      ...bookings.map((id) => `booking ${id} changed`),
      ...slots.map((id) => `slot ${id} changed`),
      ...offers.map((id) => `offer ${id} changed`),
      ...events.map((id) => `event ${id} changed`),
    ];
  }
  if (bookings.length + slots.length + offers.length === 0) return [];
  const { rows: log } = await app.db.query<{
    booking_id: string | null;
    slot_id: string;
    actor_kind: string;
    actor_id: string | null;
    override: string | null;
  }>('SELECT booking_id, slot_id, actor_kind, actor_id, override FROM booking_log WHERE id > $1', [
    before.logAfter,
  ]);
  const byStaff = log.filter(
    (l) => l.actor_kind === 'staff' && l.actor_id === adminId && l.override === 'staff',
  );
  const out: string[] = [];
  for (const id of bookings)
    if (!byStaff.some((l) => l.booking_id === id)) out.push(`booking ${id} unlogged`);
  for (const id of slots) if (!byStaff.some((l) => l.slot_id === id)) out.push(`slot ${id} unlogged`);
  for (const id of offers) {
    const o = after.offers.get(id);
    if (!o) out.push(`offer ${id} gone`);
    // Accepted for the family by staff: the booking it made is checked above, its slot's log here.
    else if (o.status === 'accepted') {
      if (!byStaff.some((l) => l.slot_id === o.slot)) out.push(`offer ${id} accepted without a staff log`);
    } else if (before.offers.has(id))
      continue; // declined or withdrawn: letting go
    else if (
      o.kind === 'cover'
        ? !byStaff.some((l) => l.booking_id === o.replaces)
        : !byStaff.some((l) => l.slot_id === o.slot)
    )
      out.push(`offer ${id} made without a logged staff change`);
  }
  return out;
}

/** Ids for a path parameter or body field by its name: the walker's own, unless `other` says whose. */
function idFor(name: string, own: Record<string, string>): string {
  const key = name.replace(/Ids?$/, 'Id').replace(/s$/, '');
  if (own[key]) return own[key]!;
  if (/teacher|staff/i.test(key)) return own.teacherId!;
  if (/event/i.test(key)) return own.eventId!;
  if (/slot/i.test(key)) return own.slotId!;
  if (/family/i.test(key)) return own.familyId!;
  if (/student/i.test(key)) return own.studentId!;
  if (/hold/i.test(key)) return own.holdId!;
  if (/booking/i.test(key)) return own.bookingId!;
  if (/offer/i.test(key)) return own.offerId!;
  if (/entry/i.test(key)) return own.entryId!;
  return randomUUID();
}

/** A value that satisfies a JSON schema, with the given ids wherever an id goes. */
function sample(schema: any, name: string, own: Record<string, string>): unknown {
  if (!schema) return undefined;
  if (schema.anyOf || schema.oneOf) {
    const options = (schema.anyOf ?? schema.oneOf).filter((s: any) => s.type !== 'null' && !s.nullable);
    return sample(options[0] ?? (schema.anyOf ?? schema.oneOf)[0], name, own);
  }
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => sample(s, name, own)));
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined && schema.type !== 'object') return schema.default;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<any>(schema.properties ?? {})) {
        // Optional arrival/leaving windows would only narrow what the walker asks for.
        if (!(schema.required ?? []).includes(k) && /arrive|leave/i.test(k)) continue;
        out[k] = sample(v, k, own);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items, name, own));
    case 'integer':
    case 'number':
      return Math.min(schema.maximum ?? 5, Math.max(schema.minimum ?? 5, 5));
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'uuid') return idFor(name, own);
      if (schema.format === 'email') return `walker-${name}@example.org`;
      if (schema.format === 'date') return '2031-03-04';
      if (schema.format === 'date-time') return '2031-03-04T18:00:00Z';
      if (schema.pattern?.includes('[0-5]')) return '18:00';
      return 'w'.repeat(Math.max(1, Math.min(schema.minLength ?? 1, 20)));
    }
    default:
      return undefined;
  }
}

/** The socket commands with a payload each; the mapped type makes a new command a type error here. */
function socketPayloads(own: Record<string, string>): {
  [K in keyof ClientToServerEvents]: Record<string, unknown>;
} {
  const key = () => `pw-${randomUUID()}`;
  return {
    'event:join': { eventId: own.eventId },
    'event:leave': { eventId: own.eventId },
    'slot:hold': {
      slotId: own.slotId,
      studentId: own.studentId,
      familyId: own.familyId,
      idempotencyKey: key(),
    },
    'hold:release': { holdId: own.holdId, idempotencyKey: key() },
    'booking:confirm': { eventId: own.eventId, familyId: own.familyId, idempotencyKey: key() },
    'booking:cancel': { bookingId: own.bookingId, idempotencyKey: key() },
    'booking:move': { bookingId: own.bookingId, slotId: own.slotId, idempotencyKey: key() },
    'slot:block': { slotId: own.slotId, blocked: true, idempotencyKey: key() },
  };
}

/** Slots of A's teacher for the walker's child, in time order. */
async function teacherSlots(): Promise<string[]> {
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at',
    [a.eventId, ids.teacherId],
  );
  return rows.map((r) => r.id);
}

/**
 * The walker's world, set again before every state: a free slot of its child's
 * teacher, its own live hold and confirmed booking (made by staff, as an admin may
 * at any time), a pending waiting-list offer, and the event open, first come first
 * served, without a queue.
 */
/**
 * The language the walker needs an interpreter for in the state that says so: set again
 * before every call, since the walk also calls DELETE /me/interpreter (a family may say it no
 * longer needs one, and then books like any family: that is no rule broken).
 */
let walkerInterpreterLanguage: string | null = null;

async function resetWorld(): Promise<void> {
  await resetEvent();
  // The walker needs no interpreter but in the state that says so.
  walkerInterpreterLanguage = null;
  await app.db.query('UPDATE families SET interpreter_language = NULL WHERE id = $1', [ids.familyId]);
  await app.db.query(`DELETE FROM interpreters WHERE name = 'Walk interpreter'`);
  await resetFamily();
}

async function resetEvent(): Promise<void> {
  await app.db.query(
    `UPDATE events SET booking_opens_at = now() - interval '1 hour', booking_closes_at = now() + interval '2 days',
            cancel_cutoff_at = NULL, booking_mode = 'fcfs', fair_allocated_at = NULL, queue_limit = NULL,
            max_per_student = 10, paused_at = NULL, paused_message = NULL WHERE id = $1`,
    [a.eventId],
  );
}

/** The walker's bookings, offer and entry as at the start: each call starts from them. */
async function resetFamily(): Promise<void> {
  await app.db.query('UPDATE families SET interpreter_language = $2 WHERE id = $1', [
    ids.familyId,
    walkerInterpreterLanguage,
  ]);
  await app.db.query(
    `UPDATE bookings SET status = 'cancelled', ended_at = now()
      WHERE event_id = $1 AND family_id = $2 AND status IN ('held', 'confirmed')`,
    [a.eventId, ids.familyId],
  );
  await app.db.query(
    `UPDATE offers SET status = 'declined', ended_at = now() WHERE status = 'pending' AND family_id = $1`,
    [ids.familyId],
  );
  await app.db.query(
    `UPDATE waitlist_entries SET status = 'left' WHERE status = 'waiting' AND family_id = $1`,
    [ids.familyId],
  );
  const slots = await teacherSlots();
  const [, second, third] = a.students.find((s) => s.id === ids.studentId)!.teacherIds;
  const firstSlotOf = async (teacherId: string, last: boolean) =>
    (
      await app.db.query<{ id: string }>(
        `SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at ${last ? 'DESC' : ''} LIMIT 1`,
        [a.eventId, teacherId],
      )
    ).rows[0]!.id;
  // Staff-made, as an admin may at any time: the rules bind families. Both are with
  // other teachers than the offer's, so accepting it breaks no constraint.
  const { rows: made } = await app.db.query<{ id: string; status: string }>(
    `INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, confirmed_at, created_by)
     VALUES ($1, $3, $4, 'confirmed', NULL, now(), 'staff'),
            ($2, $3, $4, 'held', now() + interval '10 minutes', NULL, 'staff')
     RETURNING id, status::text AS status`,
    [await firstSlotOf(second!, false), await firstSlotOf(third!, true), ids.familyId, ids.studentId],
  );
  ids.bookingId = made.find((r) => r.status === 'confirmed')!.id;
  ids.holdId = made.find((r) => r.status === 'held')!.id;
  ids.slotId = slots[2]!;
  const { rows: entry } = await app.db.query<{ id: string }>(
    `INSERT INTO waitlist_entries (event_id, staff_id, family_id, student_id, position)
     VALUES ($1, $2, $3, $4, 1) RETURNING id`,
    [a.eventId, ids.teacherId, ids.familyId, ids.studentId],
  );
  ids.entryId = entry[0]!.id;
  const { rows: offer } = await app.db.query<{ id: string }>(
    `INSERT INTO offers (kind, event_id, slot_id, family_id, student_id, entry_id, expires_at)
     VALUES ('waitlist', $1, $2, $3, $4, $5, now() + interval '1 hour') RETURNING id`,
    [a.eventId, slots[4], ids.familyId, ids.studentId, ids.entryId],
  );
  ids.offerId = offer[0]!.id;
}

const STATES: { name: string; apply: () => Promise<void>; who?: 'other family' | 'other school' }[] = [
  {
    name: 'window not open',
    apply: async () => {
      await app.db.query(
        `UPDATE events SET booking_opens_at = now() + interval '2 days', booking_closes_at = now() + interval '3 days'
          WHERE id = $1`,
        [a.eventId],
      );
    },
  },
  {
    name: 'window closed',
    apply: async () => {
      await app.db.query(
        `UPDATE events SET booking_opens_at = now() - interval '3 days', booking_closes_at = now() - interval '1 hour',
                cancel_cutoff_at = now() - interval '2 hours' WHERE id = $1`,
        [a.eventId],
      );
    },
  },
  {
    name: 'fair start collecting',
    apply: async () => {
      await app.db.query(
        `UPDATE events SET booking_mode = 'fair_start', fair_allocated_at = NULL, fair_window_seconds = 7200,
                booking_opens_at = now() - interval '1 minute' WHERE id = $1`,
        [a.eventId],
      );
    },
  },
  {
    name: 'cap reached',
    apply: async () => {
      // The walker's child already has two live appointments (its booking and its hold).
      await app.db.query('UPDATE events SET max_per_student = 2 WHERE id = $1', [a.eventId]);
    },
  },
  {
    // An admin paused booking (migration 024); staff still book.
    name: 'paused',
    apply: async () => {
      await app.db.query(
        `UPDATE events SET paused_at = now(), paused_message = 'Paused for the walk.' WHERE id = $1`,
        [a.eventId],
      );
    },
  },
  {
    // The walker needs an interpreter (migration 033) and the one interpreter sits only
    // at the times of its own booking and hold: no other time may be taken or moved to.
    // resetFamily makes those two again before each call, each reserving the interpreter.
    name: 'no interpreter free',
    apply: async () => {
      const { rows } = await app.db.query<{ id: string }>(
        `INSERT INTO interpreters (school_id, name, languages) VALUES ($1, 'Walk interpreter', ARRAY['pl']) RETURNING id`,
        [a.schoolId],
      );
      await app.db.query(
        `INSERT INTO interpreter_availability (interpreter_id, event_id, starts_at, ends_at)
         SELECT $1, b.event_id, b.starts_at, b.ends_at FROM bookings b
          WHERE b.family_id = $2 AND b.event_id = $3 AND b.status IN ('held', 'confirmed')`,
        [rows[0]!.id, ids.familyId, a.eventId],
      );
      walkerInterpreterLanguage = 'pl';
      await app.db.query(`UPDATE families SET interpreter_language = 'pl' WHERE id = $1`, [ids.familyId]);
    },
  },
  { name: "another family's ids", apply: async () => {}, who: 'other family' },
  { name: "another school's ids", apply: async () => {}, who: 'other school' },
  {
    // Last: the queue's limit is cached for a few seconds per event (virtual-queue.ts).
    name: 'queue not yet admitted',
    apply: async () => {
      await app.db.query('UPDATE events SET queue_limit = 1 WHERE id = $1', [a.eventId]);
      // Someone else is in; the walker has not been let in.
      await app.redis.zadd(`${app.config.REDIS_PREFIX}vq:${a.eventId}:active`, Date.now(), a.families[5]!.id);
      await new Promise((r) => setTimeout(r, 5200));
    },
  },
];

beforeAll(async () => {
  app = await startTestApp({ ADMISSION_RATE: '0' });
  a = await seedSmallSchool(app, {
    code: 'POLA',
    name: 'Policy A',
    families: 6,
    teachers: 3,
    teachersPerStudent: 3,
    siblingShare: 0,
  });
  b = await seedSmallSchool(app, {
    code: 'POLB',
    name: 'Policy B',
    families: 3,
    teachers: 3,
    teachersPerStudent: 3,
    siblingShare: 0,
  });
  const fam = a.families[0]!;
  ids.familyId = fam.id;
  ids.studentId = fam.studentIds[0]!;
  ids.eventId = a.eventId;
  ids.teacherId = a.students.find((s) => s.id === ids.studentId)!.teacherIds[0]!;
  await resetWorld();
  // Another family of A: its own hold, booking and offer, which the walker names.
  const o = a.families[1]!;
  const oStudent = o.studentIds[0]!;
  const oTeacher = a.students.find((s) => s.id === oStudent)!.teacherIds[0]!;
  const oSlots = await freeSlotsOf(a.eventId, oStudent);
  foreign.other = JSON.stringify(
    await worldOf(
      oSlots.map((r) => r.id),
      a.eventId,
      o.id,
      oStudent,
      oTeacher,
    ),
  );
  const bf = b.families[0]!;
  const bStudent = bf.studentIds[0]!;
  const bTeacher = b.students.find((s) => s.id === bStudent)!.teacherIds[0]!;
  const bSlots = await freeSlotsOf(b.eventId, bStudent);
  foreign.school = JSON.stringify(
    await worldOf(
      bSlots.map((r) => r.id),
      b.eventId,
      bf.id,
      bStudent,
      bTeacher,
    ),
  );
});
afterAll(() => app?.close());

/** Three free slots of a child's first two teachers: [first's, second's, first's], none at the same time. */
async function freeSlotsOf(eventId: string, studentId: string): Promise<{ id: string }[]> {
  const [t1, t2] = (a.students.find((s) => s.id === studentId) ?? b.students.find((s) => s.id === studentId))!
    .teacherIds;
  const { rows } = await app.db.query<{ id: string; staff_id: string }>(
    `SELECT s.id, s.staff_id FROM slots s WHERE s.event_id = $1 AND s.staff_id = ANY($2::uuid[])
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('held', 'confirmed'))
      ORDER BY s.starts_at DESC`,
    [eventId, [t1, t2]],
  );
  const ofFirst = rows.filter((r) => r.staff_id === t1);
  const ofSecond = rows.filter((r) => r.staff_id === t2);
  return [ofFirst[0]!, ofSecond.at(-1)!, ofFirst[1]!];
}

/** Another family's hold, booking and offer (and a free slot), for the walker to name. */
async function worldOf(
  slots: string[],
  eventId: string,
  familyId: string,
  studentId: string,
  teacherId: string,
): Promise<Record<string, string>> {
  const { rows } = await app.db.query<{ id: string; status: string }>(
    `INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, confirmed_at, created_by)
     VALUES ($1, $3, $4, 'confirmed', NULL, now(), 'staff'),
            ($2, $3, $4, 'held', now() + interval '1 day', NULL, 'staff')
     RETURNING id, status::text AS status`,
    [slots[0], slots[1], familyId, studentId],
  );
  // slots[1] is another teacher's (one appointment per teacher and child).
  const { rows: entry } = await app.db.query<{ id: string }>(
    `INSERT INTO waitlist_entries (event_id, staff_id, family_id, student_id, position)
     VALUES ($1, $2, $3, $4, 1) RETURNING id`,
    [eventId, teacherId, familyId, studentId],
  );
  const { rows: offer } = await app.db.query<{ id: string }>(
    `INSERT INTO offers (kind, event_id, slot_id, family_id, student_id, entry_id, expires_at)
     VALUES ('waitlist', $1, $2, $3, $4, $5, now() + interval '1 day') RETURNING id`,
    [eventId, slots[2], familyId, studentId, entry[0]!.id],
  );
  return {
    eventId,
    familyId,
    studentId,
    teacherId,
    slotId: slots[2]!,
    bookingId: rows.find((r) => r.status === 'confirmed')!.id,
    holdId: rows.find((r) => r.status === 'held')!.id,
    offerId: offer[0]!.id,
    entryId: entry[0]!.id,
  };
}

type Write = { method: string; path: string; op: any };

// Staff writes that end the walker family's own account (erasure; new access codes end
// its sessions and replace the code it signs in with), which the rest of the walk
// needs. Erasure cancels live bookings through BookingService.cancel, the staff path
// walked here as cancelBooking (schools-records.test.ts covers erasure itself).
const STAFF_SKIP = new Set(['eraseFamily', 'issueAccessCodes']);

/** A socket command's answer, or 'no answer' if none comes (a closed socket never answers). */
function askWithin(socket: { emit: (...args: any[]) => unknown }, name: string, payload: unknown) {
  return Promise.race([
    ask(socket, name, payload),
    new Promise((r) => setTimeout(() => r('no answer'), 3000)),
  ]);
}

/**
 * One staff walk over every write and socket command with the given ids. The world is
 * set again only after a call changed something (most staff calls here are refused or
 * change nothing), which keeps the staff walk's cost near one snapshot pair per call.
 */
async function walkAsStaff(
  writes: Write[],
  who: { token: string; socket: Awaited<ReturnType<TestApp['socket']>>; adminId: string; label: string },
  own: Record<string, string>,
  foreign: boolean,
  state: string,
  failures: string[],
): Promise<number> {
  let calls = 0;
  let dirty = !foreign;
  const call = async (name: string, run: () => Promise<string>) => {
    if (dirty && !foreign) await resetFamily();
    const before = await staffSnapshot();
    const answer = await run();
    calls++;
    // Some writes act later (a freed slot offered by the listener): give them a moment.
    await new Promise((r) => setTimeout(r, 20));
    const after = await staffSnapshot();
    const bad = await staffGained(before, after, who.adminId, foreign);
    if (bad.length > 0) failures.push(`${who.label}, ${state}: ${name} → ${answer}: ${bad.join('; ')}`);
    dirty = after.logAfter !== before.logAfter || bad.length > 0;
  };
  for (const { method, path, op } of writes) {
    if (STAFF_SKIP.has(op.operationId)) continue;
    await call(`${method.toUpperCase()} ${path}`, async () => {
      const url = path.replace(/\{(\w+)\}/g, (_: string, p: string) => idFor(p, own));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const res = await app.api(method.toUpperCase(), url, {
        token: who.token,
        body: schema ? sample(schema, 'body', own) : undefined,
        headers: { 'idempotency-key': `pw-${randomUUID()}` },
      });
      const queued = res.status === 503 && res.body?.error?.code === 'unavailable';
      if (res.status >= 500 && !queued)
        failures.push(`${who.label}, ${state}: ${method.toUpperCase()} ${path} → ${res.status}`);
      return String(res.status);
    });
  }
  for (const name of Object.keys(socketPayloads(own))) {
    await call(`socket ${name}`, async () => {
      const ack = await askWithin(who.socket, name, socketPayloads(own)[name as keyof ClientToServerEvents]);
      return JSON.stringify(ack).slice(0, 80);
    });
  }
  // A staff block or slot change must not leak into the next state's family walk.
  if (!foreign) {
    await app.db.query('UPDATE slots SET blocked = false WHERE event_id = $1 AND blocked', [a.eventId]);
    await resetFamily();
  }
  return calls;
}

describe('every path to the bookings obeys the booking policy', () => {
  it('lets the walker book when no rule stands in the way (the walk can see a booking)', async () => {
    await resetWorld();
    const token = await loginFamily(app, a, 0);
    const before = await snapshot();
    const held = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: ids.slotId, studentId: ids.studentId },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(gained(before, await snapshot(), 'open')).toHaveLength(1);
    // Let it go again: the offer is for the same teacher (one appointment per teacher).
    expect((await app.api('DELETE', `/api/v1/holds/${held.body.id}`, { token })).status).toBe(200);
    const accepted = await app.api('POST', `/api/v1/offers/${ids.offerId}/accept`, { token });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  });

  it('walks every write of the OpenAPI document and every socket command in every rule state', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    const writes: { method: string; path: string; op: any }[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods))
        if (method !== 'get' && op.operationId !== 'logout') writes.push({ method, path, op });
    // The document is the list: the booking and fairness writes are in it.
    const names = writes.map((w) => w.op.operationId);
    expect(names).toEqual(expect.arrayContaining(['holdItinerary', 'acceptOffer', 'joinWaitlist']));
    const token = await loginFamily(app, a, 0);
    const socket = await app.socket(token);
    const adminA = await loginStaff(app, a.admin.email);
    const staffA = {
      token: adminA,
      socket: await app.socket(adminA),
      adminId: a.admin.id,
      label: "A's admin",
    };
    const adminB = await loginStaff(app, b.admin.email);
    const staffB = {
      token: adminB,
      socket: await app.socket(adminB),
      adminId: b.admin.id,
      label: "B's admin",
    };
    const failures: string[] = [];
    let calls = 0;
    let staffCalls = 0;
    for (const state of STATES) {
      await resetWorld();
      await state.apply();
      const own =
        state.who === 'other family'
          ? { ...ids, ...JSON.parse(foreign.other!), studentId: JSON.parse(foreign.other!).studentId }
          : state.who === 'other school'
            ? JSON.parse(foreign.school!)
            : ids;
      for (const { method, path, op } of writes) {
        // Each call from the same start: an earlier release would lower the cap's count.
        if (!state.who) await resetFamily();
        const url = path.replace(/\{(\w+)\}/g, (_: string, p: string) => idFor(p, own));
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const body = schema ? sample(schema, 'body', own) : undefined;
        const before = await snapshot();
        const res = await app.api(method.toUpperCase(), url, {
          token,
          body,
          headers: { 'idempotency-key': `pw-${randomUUID()}` },
        });
        calls++;
        // Some writes act later (a freed slot offered by the listener): give them a moment.
        await new Promise((r) => setTimeout(r, 20));
        const bad = gained(before, await snapshot(), state.name);
        if (bad.length > 0)
          failures.push(`${state.name}: ${method.toUpperCase()} ${path} → ${res.status}: ${bad.join('; ')}`);
        // The queue answers 503 with Retry-After: a refusal, not a failure.
        const queued = res.status === 503 && res.body?.error?.code === 'unavailable';
        if (res.status >= 500 && !queued)
          failures.push(`${state.name}: ${method.toUpperCase()} ${path} → ${res.status}`);
      }
      for (const name of Object.keys(socketPayloads(own))) {
        if (!state.who) await resetFamily();
        const payload = socketPayloads(own)[name as keyof ClientToServerEvents];
        const before = await snapshot();
        const ack: any = await askWithin(socket, name, payload);
        calls++;
        const bad = gained(before, await snapshot(), state.name);
        if (bad.length > 0)
          failures.push(
            `${state.name}: socket ${name} → ${JSON.stringify(ack).slice(0, 80)}: ${bad.join('; ')}`,
          );
      }
      // The staff walk in the same state (another family's ids are an admin's own).
      if (state.who === 'other family') continue;
      await resetFamily();
      staffCalls += await walkAsStaff(
        writes,
        staffA,
        own,
        state.who === 'other school',
        state.name,
        failures,
      );
      // Another school's admin naming A's ids: once is enough, tenancy is not a rule state.
      if (state === STATES[0])
        staffCalls += await walkAsStaff(writes, staffB, ids, true, state.name, failures);
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(STATES.length * 40);
    expect(staffCalls).toBeGreaterThan(STATES.length * 40);
    // About 60 writes × 8 states as the family, 7 as A's admin and 1 as B's, each read back twice.
  }, 360_000);
});
