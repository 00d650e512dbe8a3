import type { ErrorCode } from '../../../../protocol/errors.ts';
import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { refusalRaised } from './booking-refusals.ts';

/**
 * One booking a write is about to create, move or change, as the booking policy
 * (confer_booking_refusal, migration 011) is asked about it.
 */
export interface PolicyQuestion {
  slotId: string;
  familyId: string;
  studentId: string;
  /** The booking being moved, lengthened or replaced: not counted against the child's cap. */
  changing: string | null;
}

/**
 * Who asks and which family rules they may set aside: 'staff' (an admin acting for a
 * family) or 'cover_offer' (an absent teacher's appointments offered to the cover).
 * Neither sets aside an archived event, tenancy, a blocked slot or the cap; the
 * constraints on bookings (one per slot and teacher, clashes, the gap) bind everyone.
 */
export interface PolicyAsker {
  schoolId: string;
  /** null: a family asking for itself, every family rule applies (a family's one-step move). */
  override: 'staff' | 'cover_offer' | null;
}

function refusalOf(r: { code: string; detail?: string }): DomainError {
  return (
    refusalRaised({ code: 'P0001', message: r.code, detail: r.detail }) ??
    new DomainError(r.code as ErrorCode)
  );
}

/** Throws the policy's refusal for one booking, inside the caller's transaction, so nothing is half-written. */
export async function requirePolicy(q: Queryable, asker: PolicyAsker, b: PolicyQuestion): Promise<void> {
  const { rows } = await q.query<{ refusal: { code: string; detail?: string } | null }>(
    'SELECT confer_booking_refusal($1, $2, $3, $4, $5, $6) AS refusal',
    [b.slotId, b.familyId, b.studentId, asker.schoolId, asker.override, b.changing],
  );
  const refusal = rows[0]?.refusal;
  if (refusal) throw refusalOf(refusal);
}

/**
 * The candidate slots the policy lets this family have, in the given order: used
 * before making an offer, which is a booking in waiting and must not promise what
 * its acceptance would be refused.
 */
export async function slotsPolicyAllows(
  q: Queryable,
  asker: PolicyAsker,
  b: Omit<PolicyQuestion, 'slotId'>,
  slotIds: string[],
): Promise<string[]> {
  if (slotIds.length === 0) return [];
  const { rows } = await q.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, i)
      WHERE confer_booking_refusal(t.id, $2, $3, $4, $5, $6) IS NULL
      ORDER BY t.i`,
    [slotIds, b.familyId, b.studentId, asker.schoolId, asker.override, b.changing],
  );
  return rows.map((r) => r.id);
}
