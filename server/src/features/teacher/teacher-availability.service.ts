import type {
  MyAvailabilityView,
  SetAvailabilityRequest,
  SetAvailabilityResponse,
} from '../../../../protocol/admin.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { EventAdminService } from '../admin/event-admin.service.ts';
import type { Principal } from '../auth/principal.ts';
import { eventHours, teacherLimits } from './teacher-availability.limits.ts';

/**
 * A teacher setting their own evening. The one regeneration the admin's
 * route uses does the work, with the teacher's limits checked first in its transaction,
 * so slots, facts for every screen and the record are the same whoever changes them.
 */
export class TeacherAvailabilityService {
  constructor(private readonly deps: { db: Db; eventAdmin: EventAdminService }) {}

  async mine(p: Principal, eventId: string): Promise<MyAvailabilityView> {
    const availability = await this.deps.eventAdmin.oneTeacher(p, eventId, teacherOf(p));
    const { rows } = await this.deps.db.query<{ time_zone: string; deadline: Date | null; open: boolean }>(
      `SELECT sc.time_zone, e.availability_deadline_at AS deadline,
              coalesce(e.availability_deadline_at > now(), false) AND e.archived_at IS NULL AS open
         FROM events e JOIN schools sc ON sc.id = e.school_id WHERE e.id = $1`,
      [eventId],
    );
    const hours = await eventHours(this.deps.db, eventId);
    return {
      eventId,
      timeZone: rows[0]!.time_zone,
      deadlineAt: rows[0]!.deadline?.toISOString() ?? null,
      open: rows[0]!.open,
      hours: hours ? { startsAt: hours.startsAt.toISOString(), endsAt: hours.endsAt.toISOString() } : null,
      availability,
    };
  }

  set(
    p: Principal,
    eventId: string,
    input: SetAvailabilityRequest,
    idem: { key: string | null },
  ): Promise<Result<SetAvailabilityResponse>> {
    return this.deps.eventAdmin.setAvailability(p, eventId, teacherOf(p), input, idem, teacherLimits);
  }
}

/** The signed-in teacher; a family never reaches here (the route is staff-only), but the service does not rely on that. */
function teacherOf(p: Principal): string {
  if (p.kind !== 'staff') throw new DomainError('forbidden');
  return p.staffId;
}
