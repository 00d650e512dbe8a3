/**
 * The school's record of every transaction: the booking log's booking and
 * slot changes and the audit log's every other change, in one time-ordered list.
 * Names are looked up when the record is read (an erased family reads as erased).
 */
import { z } from 'zod';

export const TransactionSource = z.enum(['booking', 'change']);

export const TransactionEntry = z.object({
  /** `booking:<id>` or `change:<id>`: unique across both sources. */
  key: z.string(),
  source: TransactionSource,
  at: z.iso.datetime({ offset: true }),
  /** A booking log action (held, confirmed, moved…) or an operation (updateEvent, importCsv…). */
  action: z.string(),
  actorKind: z.enum(['family', 'staff', 'operator', 'public', 'worker', 'system']),
  actorId: z.uuid().nullable(),
  actorName: z.string().nullable(),
  eventId: z.uuid().nullable(),
  /** The ids the change was about. */
  target: z.record(z.string(), z.unknown()),
  /** What was asked (secrets dropped, personal values masked), before/after where kept. */
  detail: z.unknown(),
});
export type TransactionEntry = z.infer<typeof TransactionEntry>;

export const TransactionPage = z.object({
  entries: z.array(TransactionEntry),
  /** Pass as `before` to read the next (older) page; null when there is none. */
  next: z.string().nullable(),
});
export type TransactionPage = z.infer<typeof TransactionPage>;
