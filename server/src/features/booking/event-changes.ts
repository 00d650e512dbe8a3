import type { SlotView } from '../../../../protocol/schemas.ts';
import type { SlotFactKind } from '../../../../protocol/socket-events.ts';
import { type DbClient, prepared } from '../../infra/db.ts';
import { loadSlotViews } from './slot-views.ts';

export type LogAction =
  | 'held'
  | 'confirmed'
  | 'released'
  | 'cancelled'
  | 'expired'
  | 'moved'
  | 'blocked'
  | 'unblocked'
  | 'added'
  | 'removed'
  | 'resized'
  | 'extended';

export interface Actor {
  kind: 'family' | 'staff' | 'system';
  id: string | null;
}

export interface Change {
  action: LogAction;
  slotId: string;
  bookingId?: string | null;
  familyId?: string | null;
  studentId?: string | null;
}

/** A committed change as it goes out to screens: the slot's new state at `version`. */
export interface Fact {
  eventId: string;
  version: number;
  kind: SlotFactKind;
  reason: LogAction;
  slot: SlotView;
  /** The family whose itinerary this touched, if any. */
  familyId: string | null;
}

const FACT_KIND: Record<LogAction, SlotFactKind> = {
  held: 'held',
  confirmed: 'booked',
  released: 'released',
  cancelled: 'released',
  expired: 'released',
  moved: 'changed',
  blocked: 'changed',
  unblocked: 'changed',
  added: 'changed',
  removed: 'changed',
  resized: 'changed',
  extended: 'held',
};

const RECORD_CHANGES = prepared(
  'changes.record',
  `WITH locked AS (SELECT id FROM slots WHERE id = ANY($9::uuid[]) ORDER BY id FOR NO KEY UPDATE),
          t AS (
            SELECT * FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[])
              WITH ORDINALITY AS t(booking_id, slot_id, family_id, student_id, action, ord)),
          -- Joined with the lock count so that every lock is held before the first nextval.
          v AS (SELECT t.*, nextval('change_version_seq') AS version
                  FROM t CROSS JOIN (SELECT count(*) FROM locked) l ORDER BY ord),
          bump AS (
            UPDATE slots s SET version = m.version
              FROM (SELECT slot_id, max(version) AS version FROM v GROUP BY slot_id) m
             WHERE s.id = m.slot_id),
          logged AS (
            INSERT INTO booking_log (event_id, booking_id, slot_id, family_id, student_id, action, actor_kind, actor_id, version)
            SELECT $1, booking_id, slot_id, family_id, student_id, action, $2, $3, version FROM v)
     SELECT ord::int, version FROM v ORDER BY ord`,
);

/**
 * Records changes inside the transaction that made them: gives each change a version
 * and its slot that version, appends each to the booking log, and returns the facts
 * to emit after commit. The changed slots are locked first (in id order, so two
 * multi-slot changes cannot deadlock): the version of a slot's change is taken after
 * every earlier change to that slot has committed, so a slot's versions rise in
 * commit order. Changes to different slots do not wait for each other.
 */
export async function recordChanges(
  client: DbClient,
  eventId: string,
  actor: Actor,
  changes: Change[],
): Promise<Fact[]> {
  if (changes.length === 0) return [];
  const slotIds = [...new Set(changes.map((c) => c.slotId))].sort();
  const { rows } = await client.query<{ ord: number; version: number }>(
    RECORD_CHANGES([
      eventId,
      actor.kind,
      actor.id,
      changes.map((c) => c.bookingId ?? null),
      changes.map((c) => c.slotId),
      changes.map((c) => c.familyId ?? null),
      changes.map((c) => c.studentId ?? null),
      changes.map((c) => c.action),
      slotIds,
    ]),
  );
  const views = new Map((await loadSlotViews(client, slotIds)).map((v) => [v.id, v]));
  return changes.map((c, i) => ({
    eventId,
    version: rows[i]!.version,
    kind: FACT_KIND[c.action],
    reason: c.action,
    slot: views.get(c.slotId)!,
    familyId: c.familyId ?? null,
  }));
}
