import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { confirmOnce, holdOnce } from '../server/src/features/booking/booking-statements.ts';
import type { PlannedBooking } from './booking-plan.ts';

/**
 * The database-only booking ceiling: a booking's own SQL — the server's hold and
 * confirmation statements (server/src/features/booking/booking-statements.ts, the
 * same functions its hold-and-confirm path calls, with an idempotency key each) —
 * run back to back for distinct, non-colliding bookings by `concurrency` lanes
 * through one pool, with no HTTP, sockets, Redis, admission or fan-out in the way.
 * What PostgreSQL (on the system-under-test's core) can serve at most.
 */
export async function dbOnlyBookingCeiling(
  pool: pg.Pool,
  schoolId: string,
  eventId: string,
  work: Iterator<PlannedBooking>,
  concurrency: number,
  ms = 4000,
) {
  const until = performance.now() + ms;
  const start = performance.now();
  let bookings = 0;
  let refused = 0;
  let exhausted = false;
  const refusals: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const next = work.next();
        if (next.done) {
          exhausted = true;
          return;
        }
        const b = next.value;
        const actor = { kind: 'family' as const, id: b.familyId };
        const hold = await holdOnce(
          pool,
          { slotId: b.slotId, familyId: b.familyId, studentId: b.studentId, schoolId, byStaff: false, actor },
          {
            principal: `family:${b.familyId}`,
            key: randomUUID(),
            operation: 'hold',
            input: { slotId: b.slotId, studentId: b.studentId },
          },
        );
        if (!hold.result.ok) {
          refused++;
          refusals[`hold:${hold.result.error.code}`] = (refusals[`hold:${hold.result.error.code}`] ?? 0) + 1;
          continue;
        }
        const confirmed = await confirmOnce(
          pool,
          { eventId, familyId: b.familyId, schoolId, byStaff: false, holdIds: [hold.result.data.id], actor },
          {
            principal: `family:${b.familyId}`,
            key: randomUUID(),
            operation: 'confirm',
            input: { eventId, holdIds: [hold.result.data.id] },
          },
        );
        if (confirmed.result.ok) bookings += confirmed.result.data.bookings.length;
        else {
          refused++;
          const code = `confirm:${confirmed.result.error.code}`;
          refusals[code] = (refusals[code] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    perSecond: Math.round(bookings / seconds),
    bookings,
    refused,
    refusals,
    concurrency,
    seconds,
    exhausted,
  };
}
