import type { BookingView } from '../../../../protocol/schemas.ts';
import { type Db, pgCode, prepared, type Queryable, retryingConflicts } from '../../infra/db.ts';
import type { Result } from '../../refusals/domain-error.ts';
import { refusalRaised } from './booking-refusals.ts';
import { type BookingRow, bookingViewOf } from './booking-views.ts';
import { type Actor, type Change, type Fact, factsOf } from './event-changes.ts';
import {
  answerRefusal,
  type IdempotencyScope,
  lookup,
  replay,
  requestHash,
  type Stored,
} from './idempotency.ts';
import { type SlotRow, slotViewOf } from './slot-views.ts';

/**
 * The two writes of opening night, each as one statement: `confer_hold` and
 * `confer_confirm` (migration 009) check, write, record the changes and store the
 * idempotent answer inside PostgreSQL, so their transactions never wait on this
 * process's event loop (with eight round trips, a busy loop kept every pool
 * connection, and the slot's row lock, for eight turns).
 */
const HOLD = prepared('hold', 'SELECT confer_hold($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS answer');
const CONFIRM = prepared(
  'confirm',
  'SELECT confer_confirm($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS answer',
);

interface Written {
  slots: SlotRow[];
  changes: (Required<Change> & { version: number })[];
}
type Answer<T> = { replay: Stored['response']; hash: string } | (T & Written);
type Keyed = { principal: string; key: string; hash: string } | null;

/** What a write did: its answer, and the facts to publish (none when it was a replay or refused). */
export interface Outcome<V> {
  result: Result<V>;
  facts: Fact[];
}

export interface HoldRequest {
  slotId: string;
  familyId: string;
  studentId: string;
  schoolId: string;
  /** Staff hold for families outside the booking window and for any teacher. */
  byStaff: boolean;
  actor: Actor;
}

export interface ConfirmRequest {
  eventId: string;
  familyId: string;
  schoolId: string;
  byStaff: boolean;
  /** Only these holds; all of the family's holds at the event when null. */
  holdIds: string[] | null;
  actor: Actor;
  /**
   * When the confirmation reached the server: a hold live then is confirmed even if
   * it lapsed while the confirmation waited for a connection (migration 010 bounds
   * it to the last five seconds). Now when absent.
   */
  arrivedAt?: Date;
}

function factsFrom(eventId: string, w: Written): Fact[] {
  return factsOf(
    eventId,
    w.changes,
    w.changes.map((c) => c.version),
    w.slots.map(slotViewOf),
  );
}

/**
 * Runs one booking statement with an idempotency key, autocommitted. Refusals are
 * answered (and stored under the key) after the statement rolled back; a repeat of
 * an answered request gets that answer again. A success is stored by the statement
 * itself as rows (`row`/`rows`), turned into the answer here, the same way on replay.
 */
async function once<T, V>(
  db: Db,
  scope: IdempotencyScope | null,
  run: (q: Queryable, keyed: Keyed) => Promise<Answer<T>>,
  view: (answer: T) => V,
  storedView: (stored: Record<string, unknown>) => V | undefined,
  eventOf: (answer: T) => string,
): Promise<Outcome<V>> {
  const hash = scope ? requestHash(scope) : '';
  const replayStored = (previous: Stored): Result<V> => {
    const stored = previous.response as unknown as Record<string, unknown>;
    const data = stored.ok === true && previous.request_hash === hash ? storedView(stored) : undefined;
    return data === undefined ? replay<V>(previous, hash) : { ok: true, data };
  };
  let answer: Answer<T>;
  try {
    const keyed = scope ? { principal: scope.principal, key: scope.key, hash } : null;
    // Two families' writes that end each other's lapsed holds can deadlock.
    answer = await retryingConflicts(() => run(db, keyed));
  } catch (err) {
    const refusal = refusalRaised(err);
    if (refusal) return { result: await answerRefusal<V>(db, scope, hash, refusal), facts: [] };
    // A concurrent twin stored its answer first (our statement rolled back).
    if (scope && pgCode(err) === 'P0001' && (err as Error).message === 'already_answered') {
      const previous = await lookup(db, scope);
      if (previous) return { result: replayStored(previous), facts: [] };
    }
    throw err;
  }
  if ('replay' in answer)
    return { result: replayStored({ response: answer.replay, request_hash: answer.hash }), facts: [] };
  return { result: { ok: true, data: view(answer) }, facts: factsFrom(eventOf(answer), answer) };
}

/**
 * The stored answer to a keyed request, as a result, or null when the key is new.
 * Asked when a write is answered without the database (the slot lock lost): a
 * retry of a committed write must get its first answer, not the refusal.
 */
export async function replayOf<V>(
  db: Db,
  scope: IdempotencyScope,
  view: (row: BookingRow) => V,
): Promise<Result<V> | null> {
  const previous = await lookup(db, scope);
  if (!previous) return null;
  const hash = requestHash(scope);
  const stored = previous.response as unknown as Record<string, unknown>;
  if (stored.ok === true && previous.request_hash === hash && stored.row)
    return { ok: true, data: view(stored.row as BookingRow) };
  return replay<V>(previous, hash);
}

async function holdStatement(q: Queryable, h: HoldRequest, keyed: Keyed) {
  const { rows } = await q.query<{ answer: Answer<{ booking: BookingRow }> }>(
    HOLD([
      h.slotId,
      h.familyId,
      h.studentId,
      h.schoolId,
      h.byStaff,
      h.actor.kind,
      h.actor.id,
      keyed?.principal ?? null,
      keyed?.key ?? null,
      keyed?.hash ?? null,
    ]),
  );
  return rows[0]!.answer;
}

export function holdOnce(
  db: Db,
  h: HoldRequest,
  scope: IdempotencyScope | null,
): Promise<Outcome<BookingView>> {
  return once(
    db,
    scope,
    (q, keyed) => holdStatement(q, h, keyed),
    (a) => bookingViewOf(a.booking),
    (stored) => (stored.row ? bookingViewOf(stored.row as BookingRow) : undefined),
    (a) => a.booking.event_id,
  );
}

/** One hold inside a caller's transaction (several holds at once): a refusal throws and rolls all back. */
export async function holdWithin(
  client: Queryable,
  h: HoldRequest,
): Promise<{ view: BookingView; facts: Fact[] }> {
  try {
    const answer = await holdStatement(client, h, null);
    if ('replay' in answer) throw new Error('a hold without a key cannot be a replay');
    return { view: bookingViewOf(answer.booking), facts: factsFrom(answer.booking.event_id, answer) };
  } catch (err) {
    throw refusalRaised(err) ?? err;
  }
}

export function confirmOnce(
  db: Db,
  c: ConfirmRequest,
  scope: IdempotencyScope | null,
): Promise<Outcome<{ bookings: BookingView[] }>> {
  return once(
    db,
    scope,
    async (q, keyed) => {
      const { rows } = await q.query<{ answer: Answer<{ bookings: BookingRow[] }> }>(
        CONFIRM([
          c.eventId,
          c.familyId,
          c.schoolId,
          c.byStaff,
          c.holdIds,
          c.actor.kind,
          c.actor.id,
          keyed?.principal ?? null,
          keyed?.key ?? null,
          keyed?.hash ?? null,
          c.arrivedAt ?? null,
        ]),
      );
      return rows[0]!.answer;
    },
    (a) => ({ bookings: a.bookings.map(bookingViewOf) }),
    (stored) => (stored.rows ? { bookings: (stored.rows as BookingRow[]).map(bookingViewOf) } : undefined),
    () => c.eventId,
  );
}
