import { DateTime } from 'luxon';
import { DomainError } from '../../refusals/domain-error.ts';

/**
 * The refusal of a family's hold during a fair start (from opening until the draw
 * has run): requests are collected and allocated by the lottery, not raced for.
 * The hold itself checks this in PostgreSQL (`confer_hold`, migration 009), in the
 * hold's own transaction, so the draw and the hold cannot interleave wrongly; it
 * also keeps a slot on offer to a waiting-list family for that family.
 */
export function fairStartPending(windowEndsAt: Date, timeZone: string): DomainError {
  const at = DateTime.fromJSDate(windowEndsAt).setZone(timeZone).toFormat('HH:mm');
  return new DomainError(
    'fair_start_pending',
    `Fair start: requests are being collected and slots are allocated at ${at}. Send your requests; you will see the result here.`,
  );
}
