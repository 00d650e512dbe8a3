import type { Queue } from 'bullmq';
import { type FairnessJob, fairnessJobIds } from '../../../../protocol/fairness.ts';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import type { ServerToClientEvents } from '../../../../protocol/socket-events.ts';
import type { Db } from '../../infra/db.ts';
import type { Broadcaster, Publisher } from '../live/publisher.ts';

/** Schedules the fairness jobs (draws, offer expiries, delay clears) at their instants. */
export interface FairnessJobs {
  at(job: FairnessJob, when: Date): Promise<void>;
  close(): Promise<void>;
}

export function createFairnessJobs(queue: Queue<FairnessJob>): FairnessJobs {
  const idOf = (job: FairnessJob) =>
    job.kind === 'allocate'
      ? fairnessJobIds.allocate(job.eventId)
      : job.kind === 'offer-expiry'
        ? fairnessJobIds.offerExpiry(job.offerId)
        : fairnessJobIds.delayClear(job.eventId, job.teacherId, job.clearsAt);
  return {
    async at(job, when) {
      // Deterministic ids: scheduling the same draw twice (a retried request, two
      // instances) leaves one job; its handler checks the clock and the database anyway.
      await queue.add(job.kind, job, {
        jobId: idOf(job),
        delay: Math.max(0, when.getTime() - Date.now()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      });
    },
    close: () => queue.close(),
  };
}

/** What every fairness service gets: the database, the live edge, jobs, mail. */
export interface FairnessContext {
  db: Db;
  /** Slot facts (version bump already recorded) to the rooms that show them. */
  publisher: Publisher;
  /** Direct messages to rooms (a Socket.IO server, or a Redis emitter in the workers). */
  live: Broadcaster;
  jobs: FairnessJobs;
  /** Other e-mail (offers, running late) through the workers' e-mail queue. */
  mail?: (jobs: EmailJob[]) => Promise<void>;
  logError: (err: unknown, context: string) => void;
}

/** Emits a typed server→client event to rooms, never failing the caller. */
export function tell<E extends keyof ServerToClientEvents>(
  ctx: Pick<FairnessContext, 'live' | 'logError'>,
  rooms: string | string[],
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
): void {
  try {
    ctx.live.to(rooms).emit(event, payload);
  } catch (err) {
    ctx.logError(err, `emit ${event}`);
  }
}

/** Runs an after-commit side effect (mail, jobs) without letting it fail the answer. */
export function afterCommit(ctx: Pick<FairnessContext, 'logError'>, what: string, p: Promise<unknown>): void {
  p.catch((err) => ctx.logError(err, what));
}
