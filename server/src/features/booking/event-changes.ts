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

// The bookkeeping lives in PostgreSQL (migration 009), shared with the hold there.
const RECORD_CHANGES = prepared(
  'changes.record',
  `SELECT ord, version
     FROM confer_record_changes($1, $2, $3, $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[])`,
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
    ]),
  );
  const views = await loadSlotViews(client, slotIds);
  return factsOf(
    eventId,
    changes,
    rows.map((r) => r.version),
    views,
  );
}

/** The facts to emit for changes given their versions and their slots' views after the change. */
export function factsOf(eventId: string, changes: Change[], versions: number[], views: SlotView[]): Fact[] {
  const byId = new Map(views.map((v) => [v.id, v]));
  return changes.map((c, i) => ({
    eventId,
    version: versions[i]!,
    kind: FACT_KIND[c.action],
    reason: c.action,
    slot: byId.get(c.slotId)!,
    familyId: c.familyId ?? null,
  }));
}
