import type { Ack } from '../../../../protocol/errors.ts';
import type { WaitlistEntry } from '../../../../protocol/fairness.ts';
import type { ApiClient } from '../../lib/api.ts';

/** Join a full teacher's waiting list for a child (from the planner or the waiting-list panel). */
export function joinWaitlist(
  api: ApiClient,
  eventId: string,
  wish: { studentId: string; teacherId: string; arriveAt?: string; leaveBy?: string },
): Promise<Ack<WaitlistEntry>> {
  return api.write<WaitlistEntry>('POST', `/events/${eventId}/waitlist`, wish);
}
