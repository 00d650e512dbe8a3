import type { SlotView } from '../../../../protocol/schemas.ts';
import type { SlotFactKind } from '../../../../protocol/socket-events.ts';
import type { DbClient } from '../../infra/db.ts';
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

/**
 * Records changes inside the transaction that made them: bumps the event's version
 * once per change, appends each to the booking log, and returns the facts to emit
 * after commit. Call it last in the transaction: the event row stays locked until
 * commit, which is what makes versions gap-free and in commit order.
 */
export async function recordChanges(
  client: DbClient,
  eventId: string,
  actor: Actor,
  changes: Change[],
): Promise<Fact[]> {
  if (changes.length === 0) return [];
  const views = new Map(
    (await loadSlotViews(client, [...new Set(changes.map((c) => c.slotId))])).map((v) => [v.id, v]),
  );
  const { rows } = await client.query<{ version: number }>(
    'UPDATE events SET version = version + $2 WHERE id = $1 RETURNING version',
    [eventId, changes.length],
  );
  const last = rows[0]!.version;
  const first = last - changes.length + 1;
  await client.query(
    `INSERT INTO booking_log (event_id, booking_id, slot_id, family_id, student_id, action, actor_kind, actor_id, version)
     SELECT $1, b, s, f, st, a, $2, $3, v
       FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::bigint[]) AS t(b, s, f, st, a, v)`,
    [
      eventId,
      actor.kind,
      actor.id,
      changes.map((c) => c.bookingId ?? null),
      changes.map((c) => c.slotId),
      changes.map((c) => c.familyId ?? null),
      changes.map((c) => c.studentId ?? null),
      changes.map((c) => c.action),
      changes.map((_, i) => first + i),
    ],
  );
  return changes.map((c, i) => ({
    eventId,
    version: first + i,
    kind: FACT_KIND[c.action],
    reason: c.action,
    slot: views.get(c.slotId)!,
    familyId: c.familyId ?? null,
  }));
}
