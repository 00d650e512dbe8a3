import type { AvailabilitySnapshot, EventView } from '../../../../protocol/schemas.ts';
import { type Db, type DbClient, inTransaction, type Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { loadEventSlotViews, slotForViewer } from '../booking/slot-views.ts';
import { interpreterFreeSlots } from '../interpreters/free-interpreters.ts';
import { effectivePause } from '../pause/pause-state.ts';

interface EventRow {
  id: string;
  school_id: string;
  name: string;
  time_zone: string;
  booking_opens_at: Date;
  booking_closes_at: Date;
  cancel_cutoff_at: Date | null;
  slot_minutes: number;
  gap_minutes: number;
  max_per_student: number;
  hold_seconds: number;
  archived_at: Date | null;
  starts_at: Date | null;
  ends_at: Date | null;
  shared_child_mode: EventView['sharedChildMode'];
  availability_deadline_at: Date | null;
  sittings: { id: string; starts_at: string; ends_at: string; label: string }[];
}

const EVENT_SELECT = `
  SELECT e.*, sc.time_zone,
         (SELECT min(starts_at) FROM slots WHERE event_id = e.id) AS starts_at,
         (SELECT max(ends_at) FROM slots WHERE event_id = e.id) AS ends_at,
         (SELECT coalesce(json_agg(json_build_object('id', t.id, 'starts_at', t.starts_at,
                                                     'ends_at', t.ends_at, 'label', t.label)
                                   ORDER BY t.starts_at), '[]')
            FROM event_sittings t WHERE t.event_id = e.id) AS sittings
    FROM events e JOIN schools sc ON sc.id = e.school_id`;

function toView(r: EventRow): EventView {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    bookingOpensAt: r.booking_opens_at.toISOString(),
    bookingClosesAt: r.booking_closes_at.toISOString(),
    cancelCutoffAt: (r.cancel_cutoff_at ?? r.booking_closes_at).toISOString(),
    slotMinutes: r.slot_minutes,
    gapMinutes: r.gap_minutes,
    maxPerStudent: r.max_per_student,
    holdSeconds: r.hold_seconds,
    startsAt: r.starts_at?.toISOString() ?? null,
    endsAt: r.ends_at?.toISOString() ?? null,
    archived: r.archived_at !== null,
    sharedChildMode: r.shared_child_mode,
    availabilityDeadlineAt: r.availability_deadline_at?.toISOString() ?? null,
    // json_agg writes timestamptz as text in the session's zone: made ISO instants here.
    sittings: r.sittings.map((t) => ({
      id: t.id,
      startsAt: new Date(t.starts_at).toISOString(),
      endsAt: new Date(t.ends_at).toISOString(),
      label: t.label,
    })),
  };
}

export class EventsService {
  constructor(private readonly db: Db) {}

  async list(p: Principal): Promise<EventView[]> {
    const { rows } = await this.db.query<EventRow>(
      `${EVENT_SELECT} WHERE e.school_id = $1 ${p.kind === 'family' ? 'AND e.archived_at IS NULL' : ''}
       ORDER BY e.booking_opens_at DESC`,
      [p.schoolId],
    );
    return rows.map(toView);
  }

  /** `q` lets a caller read the event inside its own transaction (e.g. right after changing it). */
  async get(p: Principal, eventId: string, q: Queryable = this.db): Promise<EventView> {
    const { rows } = await q.query<EventRow>(`${EVENT_SELECT} WHERE e.id = $1 AND e.school_id = $2`, [
      eventId,
      p.schoolId,
    ]);
    if (!rows[0]) throw new DomainError('not_found', 'This event does not exist.');
    return toView(rows[0]);
  }

  /**
   * Every slot of the event with its state and the version it reflects (each slot
   * carries its own; `version` is the newest of them). Read in one REPEATABLE READ
   * transaction, so teachers and slots are the same moment.
   */
  async snapshot(
    p: Principal,
    eventId: string,
    opts: { onlyTeachers?: string[] } = {},
  ): Promise<AvailabilitySnapshot> {
    return inTransaction(
      this.db,
      async (client) => {
        const { rowCount } = await client.query('SELECT 1 FROM events WHERE id = $1 AND school_id = $2', [
          eventId,
          p.schoolId,
        ]);
        if (!rowCount) throw new DomainError('not_found', 'This event does not exist.');
        const [teachers, slots] = [
          await this.teachers(client, eventId),
          await loadEventSlotViews(client, eventId, opts.onlyTeachers ?? null),
        ];
        const viewer =
          p.kind === 'family'
            ? ({ kind: 'family' } as const)
            : ({ kind: 'staff', staffId: p.staffId, isAdmin: p.isAdmin } as const);
        const snapshot: AvailabilitySnapshot = {
          eventId,
          version: slots.reduce((v, s) => Math.max(v, s.version), 0),
          teachers,
          slots: slots.map((s) => slotForViewer(s, viewer)),
          paused: await effectivePause(client, eventId),
        };
        // Read in the same transaction as the slots, so both are the same moment.
        if (p.kind === 'family') {
          const interpreter = await interpreterFreeSlots(
            client,
            p.familyId,
            slots.map((s) => s.id),
          );
          if (interpreter) snapshot.interpreter = interpreter;
        }
        return snapshot;
      },
      'REPEATABLE READ',
    );
  }

  private async teachers(client: DbClient, eventId: string) {
    const { rows } = await client.query<{
      id: string;
      title: string;
      first_name: string;
      surname: string;
      room: string;
    }>(
      `SELECT t.id, t.title, t.first_name, t.surname, coalesce(min(s.room), '') AS room
         FROM staff t JOIN slots s ON s.staff_id = t.id AND s.event_id = $1
        GROUP BY t.id ORDER BY t.surname, t.first_name`,
      [eventId],
    );
    return rows.map((r) => ({ id: r.id, displayName: staffDisplayName(r), room: r.room }));
  }
}

/** An event's sittings as instants, in time order (migration 031). */
export async function eventSittings(
  q: Queryable,
  eventId: string,
): Promise<{ id: string; startsAt: Date; endsAt: Date; label: string }[]> {
  const { rows } = await q.query<{ id: string; starts_at: Date; ends_at: Date; label: string }>(
    'SELECT id, starts_at, ends_at, label FROM event_sittings WHERE event_id = $1 ORDER BY starts_at',
    [eventId],
  );
  return rows.map((r) => ({ id: r.id, startsAt: r.starts_at, endsAt: r.ends_at, label: r.label }));
}
