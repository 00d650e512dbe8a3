import type { BookingView } from '../../../../protocol/schemas.ts';
import { type Db, pgCode, prepared, type Queryable } from '../../infra/db.ts';
import type { Result } from '../domain-error.ts';
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
 * A hold as one statement: `confer_hold` (migration 009) checks, ends lapsed holds in
 * the way, inserts, records the changes and stores the idempotent answer inside
 * PostgreSQL, so the hold's transaction never waits on this process's event loop.
 */
const HOLD = prepared('hold', 'SELECT confer_hold($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS answer');

export interface HoldRequest {
  slotId: string;
  familyId: string;
  studentId: string;
  schoolId: string;
  /** Staff hold for families outside the booking window and for any teacher. */
  byStaff: boolean;
  actor: Actor;
}

export interface Held {
  view: BookingView;
  facts: Fact[];
  expiresAt: Date;
}

type Answer =
  | { replay: Stored['response']; hash: string }
  | {
      booking: BookingRow;
      slots: SlotRow[];
      changes: (Required<Change> & { version: number })[];
    };

function heldFrom(eventId: string, a: Extract<Answer, { booking: BookingRow }>): Held {
  const view = bookingViewOf(a.booking);
  return {
    view,
    facts: factsOf(
      eventId,
      a.changes,
      a.changes.map((c) => c.version),
      a.slots.map(slotViewOf),
    ),
    expiresAt: new Date(view.expiresAt!),
  };
}

function statement(q: Queryable, h: HoldRequest, scope: IdempotencyScope | null, hash: string | null) {
  return q.query<{ answer: Answer }>(
    HOLD([
      h.slotId,
      h.familyId,
      h.studentId,
      h.schoolId,
      h.byStaff,
      h.actor.kind,
      h.actor.id,
      scope?.principal ?? null,
      scope?.key ?? null,
      hash,
    ]),
  );
}

/** A stored hold answer as it is sent: holds store their booking row, turned into the view here. */
function replayHold(previous: Stored, hash: string): Result<BookingView> {
  const stored = previous.response as Result<unknown> & { row?: BookingRow };
  if (stored.ok && stored.row) {
    if (previous.request_hash !== hash) return replay(previous, hash);
    return { ok: true, data: bookingViewOf(stored.row) };
  }
  return replay(previous, hash);
}

/**
 * One hold with its idempotency key, autocommitted. Refusals are answered (and
 * stored under the key) after the statement rolled back; a repeat of an answered
 * request gets that answer again.
 */
export async function holdOnce(
  db: Db,
  h: HoldRequest,
  scope: IdempotencyScope | null,
): Promise<{ result: Result<BookingView>; held: Held | null }> {
  const hash = scope ? requestHash(scope) : '';
  let answer: Answer;
  try {
    answer = (await statement(db, h, scope, scope ? hash : null)).rows[0]!.answer;
  } catch (err) {
    const refusal = refusalRaised(err);
    if (refusal) return { result: await answerRefusal<BookingView>(db, scope, hash, refusal), held: null };
    // A concurrent twin stored its answer first (our statement rolled back).
    if (scope && pgCode(err) === 'P0001' && (err as Error).message === 'already_answered') {
      const previous = await lookup(db, scope);
      if (previous) return { result: replayHold(previous, hash), held: null };
    }
    throw err;
  }
  if ('replay' in answer)
    return { result: replayHold({ response: answer.replay, request_hash: answer.hash }, hash), held: null };
  const held = heldFrom(answer.booking.event_id, answer);
  return { result: { ok: true, data: held.view }, held };
}

/** One hold inside a caller's transaction (several holds at once): a refusal throws and rolls all back. */
export async function holdWithin(client: Queryable, h: HoldRequest): Promise<Held> {
  try {
    const answer = (await statement(client, h, null, null)).rows[0]!.answer;
    if ('replay' in answer) throw new Error('a hold without a key cannot be a replay');
    return heldFrom(answer.booking.event_id, answer);
  } catch (err) {
    throw refusalRaised(err) ?? err;
  }
}
