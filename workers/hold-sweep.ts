import type { Logger } from 'pino';
import { CONFIRMATION_GRACE_MS } from '../server/src/features/booking/confirmation-grace.ts';
import { type Fact, recordChanges } from '../server/src/features/booking/event-changes.ts';
import type { Publisher } from '../server/src/features/live/publisher.ts';
import { type Db, inTransaction } from '../server/src/infra/db.ts';

export interface HoldSweepDeps {
  db: Db;
  publisher: Pick<Publisher, 'publish'>;
  logger: Pick<Logger, 'warn'>;
  /** Pause between sweeps. */
  intervalMs: number;
  /** Holds ended per transaction; a bigger backlog takes several in a row. */
  batch?: number;
}

export interface HoldSweep {
  /** Ends every hold that has lapsed by more than the confirmation grace; returns how many it ended. */
  sweepOnce(): Promise<number>;
  /** Stops the timer and waits for a sweep under way. */
  close(): Promise<void>;
}

interface LapsedHold {
  id: string;
  event_id: string;
  slot_id: string;
  family_id: string;
  student_id: string;
}

/**
 * Ends lapsed holds on a timer, driven by the database alone. The delayed expiry
 * jobs (hold-expiry.worker.ts) end holds on the second, but they live in Redis: when
 * Redis loses its data, they are gone and their holds would stay `held` for ever
 * (free by the clock, yet still listed as held and never announced as released).
 * SKIP LOCKED lets several worker processes sweep at once, each taking other rows,
 * and lets the sweep pass over a hold a confirmation or an expiry job is changing.
 */
export function startHoldSweep(deps: HoldSweepDeps): HoldSweep {
  const batch = deps.batch ?? 500;
  let running: Promise<number> | null = null;
  let stopped = false;

  async function sweepBatch(): Promise<number> {
    let facts: Fact[] = [];
    const ended = await inTransaction(deps.db, async (client) => {
      // Only holds past the confirmation grace: a confirmation that arrived before
      // the lapse may still be waiting for a connection (confirmation-grace.ts).
      const { rows } = await client.query<LapsedHold>(
        `UPDATE bookings SET status = 'expired', ended_at = now()
          WHERE id IN (SELECT id FROM bookings
                        WHERE status = 'held' AND expires_at <= now() - $2 * interval '1 millisecond'
                        ORDER BY expires_at LIMIT $1
                          FOR UPDATE SKIP LOCKED)
            AND status = 'held' AND expires_at <= now() - $2 * interval '1 millisecond'
          RETURNING id, event_id, slot_id, family_id, student_id`,
        [batch, CONFIRMATION_GRACE_MS],
      );
      const byEvent = new Map<string, LapsedHold[]>();
      for (const r of rows) byEvent.set(r.event_id, [...(byEvent.get(r.event_id) ?? []), r]);
      const all: Fact[] = [];
      for (const [eventId, holds] of byEvent) {
        all.push(
          ...(await recordChanges(
            client,
            eventId,
            { kind: 'system', id: null },
            holds.map((h) => ({
              action: 'expired',
              slotId: h.slot_id,
              bookingId: h.id,
              familyId: h.family_id,
              studentId: h.student_id,
            })),
          )),
        );
      }
      facts = all;
      return rows.length;
    });
    if (facts.length > 0) deps.publisher.publish(facts);
    return ended;
  }

  async function sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await sweepBatch();
      total += n;
      if (n < batch || stopped) return total;
    }
  }

  function sweepOnce(): Promise<number> {
    // One sweep at a time per process: a slow database must not pile sweeps up.
    running ??= sweepAll().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    sweepOnce().catch((err) =>
      deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'hold sweep failed'),
    );
  }, deps.intervalMs);
  timer.unref();

  return {
    sweepOnce,
    async close() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
