import type { SlotView } from '../../../../protocol/schemas.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import type { BookingContext, Idem } from './booking-context.ts';
import { type Fact, recordChanges } from './event-changes.ts';
import { runIdempotent } from './idempotency.ts';
import { loadSlotViews } from './slot-views.ts';

/**
 * Changes only staff make to the evening's slots through the booking service.
 * Staff moves and lengthening are in admin/slot-admin.service.ts; both ask the
 * booking policy and are logged with the override 'staff' (migration 013).
 */
export class StaffActions {
  constructor(private readonly ctx: BookingContext) {}

  /** Admins take a slot out of booking (or put it back). A slot someone is in cannot be blocked. */
  async setBlocked(p: Principal, slotId: string, blocked: boolean, idem: Idem): Promise<Result<SlotView>> {
    let facts: Fact[] = [];
    const result = await runIdempotent(
      this.ctx.deps.db,
      this.ctx.scope(p, idem, 'block', { slotId, blocked }),
      async (client) => {
        if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
        const { rows } = await client.query<{
          event_id: string;
          school_id: string;
          blocked: boolean;
          archived: boolean;
        }>(
          `SELECT s.event_id, e.school_id, s.blocked, e.archived_at IS NOT NULL AS archived
             FROM slots s JOIN events e ON e.id = s.event_id
          WHERE s.id = $1 FOR UPDATE OF s`,
          [slotId],
        );
        const s = rows[0];
        if (!s || s.school_id !== p.schoolId) throw new DomainError('not_found', 'This slot does not exist.');
        // The door's first rule after tenancy, for staff too: an archived event never changes.
        if (s.archived)
          throw new DomainError('window_closed', 'This event is archived and can no longer change.');
        if (blocked) {
          const { rowCount } = await client.query(
            'SELECT 1 FROM bookings WHERE slot_id = $1 AND booking_is_active(status, expires_at)',
            [slotId],
          );
          if (rowCount)
            throw new DomainError('slot_taken', 'Someone is booked in this slot; cancel the booking first.');
        }
        if (s.blocked !== blocked) {
          await client.query('UPDATE slots SET blocked = $2 WHERE id = $1', [slotId, blocked]);
          facts = await recordChanges(client, s.event_id, this.ctx.actorOf(p), [
            { action: blocked ? 'blocked' : 'unblocked', slotId },
          ]);
        }
        const [view] = await loadSlotViews(client, [slotId]);
        return view!;
      },
    );
    if (result.ok) this.ctx.publish(facts);
    return result;
  }
}
