import type { BookingView } from '../../../../protocol/schemas.ts';
import type { Admission } from '../../infra/admission.ts';
import type { Db, DbClient } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { principalKey } from '../auth/principal.ts';
import type { Publisher } from '../live/publisher.ts';
import { requirePolicy } from './booking-policy.ts';
import { refusalFrom } from './booking-refusals.ts';
import { loadBookingViews } from './booking-views.ts';
import { type Change, type Fact, recordChanges } from './event-changes.ts';
import { runIdempotent } from './idempotency.ts';
import { endLapsedHoldsIn } from './lapsed-holds.ts';

export interface FamilyMoveDeps {
  db: Db;
  publisher: Publisher;
  /** The opening-night guard and, through its family gate, the virtual queue. */
  admission?: Pick<Admission, 'refuse'>;
}

interface LockedBooking {
  event_id: string;
  slot_id: string;
  staff_id: string;
  family_id: string;
  student_id: string;
  status: string;
  school_id: string;
  archived: boolean;
  before_cutoff: boolean;
  shared: boolean;
}

/**
 * A family moves its own confirmed appointment to another time with the same teacher,
 * in one transaction. Before, "Change" cancelled first and asked the family
 * to pick again, so a family that lost the race for the new time had lost the old one
 * too. Here the old appointment stays the family's until the new slot is theirs: the
 * booking row changes slot (same id, its history in the log), or nothing changes.
 *
 * The move passes the same door as a hold (docs/booking-door.md), with no override:
 * the queue and admission before the transaction; tenancy, the window, the fair start,
 * a waiting-list offer, a blocked slot, the teacher and the cap in
 * confer_booking_refusal; one per slot, clashes and the gap in the constraints. A move
 * is also a cancellation of the old time, so the cut-off applies as for a cancel.
 */
export class FamilyMoveService {
  constructor(private readonly deps: FamilyMoveDeps) {}

  async move(
    p: Principal,
    bookingId: string,
    slotId: string,
    idem: { key: string | null },
  ): Promise<Result<BookingView>> {
    if (p.kind !== 'family') return { ok: false, error: new DomainError('forbidden').body };
    const refused = await this.deps.admission?.refuse({ slotId }, p.familyId, p.schoolId);
    if (refused) return refused;
    let facts: Fact[] = [];
    const scope = idem.key
      ? { principal: principalKey(p), key: idem.key, operation: 'familyMove', input: { bookingId, slotId } }
      : null;
    const result = await runIdempotent(this.deps.db, scope, async (client) => {
      facts = [];
      const b = await this.lockBooking(client, p, bookingId);
      const target = await this.lockTarget(client, slotId);
      if (!target) throw new DomainError('not_found', 'This slot does not exist.');
      // The door first, so another school's slot is "not found" like a missing one.
      await requirePolicy(
        client,
        { schoolId: p.schoolId, override: null },
        { slotId, familyId: b.family_id, studentId: b.student_id, changing: bookingId },
      );
      // A change of time, not of teacher: a new teacher is a new appointment, booked as one.
      if (target.event_id !== b.event_id || target.staff_id !== b.staff_id)
        throw new DomainError('invalid_input', undefined, {
          issues: [{ path: 'slotId', message: 'Choose another time with the same teacher at this event.' }],
        });
      if (target.id === b.slot_id)
        throw new DomainError('invalid_input', undefined, {
          issues: [{ path: 'slotId', message: 'The appointment is already at this time.' }],
        });
      // A lapsed hold still occupies the slot in the unique index until it is marked
      // expired; confer_hold ends them the same way before it inserts.
      const changes: Change[] = await endLapsedHoldsIn(client, slotId);
      try {
        await client.query('UPDATE bookings SET slot_id = $2 WHERE id = $1', [bookingId, slotId]);
      } catch (err) {
        throw refusalFrom(err) ?? err;
      }
      const who = { bookingId, familyId: b.family_id, studentId: b.student_id };
      changes.push({ action: 'moved', slotId: b.slot_id, ...who }, { action: 'moved', slotId, ...who });
      // The log's trigger writes the 'changed' mail to the outbox in this transaction.
      facts = await recordChanges(client, b.event_id, { kind: 'family', id: p.familyId }, changes);
      const [view] = await loadBookingViews(client, [bookingId]);
      return view!;
    });
    if (result.ok && facts.length > 0) this.deps.publisher.publish(facts);
    return result;
  }

  /** The family's own confirmed appointment, locked; anyone else's is "not found", revealing nothing. */
  private async lockBooking(client: DbClient, p: Principal & { kind: 'family' }, id: string) {
    const { rows } = await client.query<LockedBooking>(
      `SELECT b.event_id, b.slot_id, b.staff_id, b.family_id, b.student_id, b.status::text AS status,
              e.school_id, e.archived_at IS NOT NULL AS archived,
              now() < coalesce(e.cancel_cutoff_at, e.booking_closes_at) AS before_cutoff,
              (e.shared_child_mode = 'joint'
               AND EXISTS (SELECT 1 FROM family_students fs WHERE fs.family_id = $2 AND fs.student_id = b.student_id)) AS shared
         FROM bookings b JOIN events e ON e.id = b.event_id
        WHERE b.id = $1 FOR UPDATE OF b`,
      [id, p.familyId],
    );
    const b = rows[0];
    // Separated parents in a joint event (migration 016): either family may move the child's appointment.
    if (!b || b.school_id !== p.schoolId || (b.family_id !== p.familyId && !b.shared))
      throw new DomainError('not_found', 'No such booking.');
    if (b.archived)
      throw new DomainError('window_closed', 'This event is archived and can no longer change.');
    if (b.status !== 'confirmed')
      throw new DomainError('not_found', 'Only confirmed appointments can be moved.');
    if (!b.before_cutoff)
      throw new DomainError(
        'window_closed',
        'Appointments can no longer be changed online. Please contact the school.',
      );
    return b;
  }

  private async lockTarget(client: DbClient, slotId: string) {
    const { rows } = await client.query<{ id: string; event_id: string; staff_id: string }>(
      'SELECT id, event_id, staff_id FROM slots WHERE id = $1 FOR UPDATE',
      [slotId],
    );
    return rows[0];
  }
}
