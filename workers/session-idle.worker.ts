import { DelayedError, Worker } from 'bullmq';
import { QUEUES, SessionIdleJobSchema } from '../protocol/jobs.ts';
import { IdleTimeout } from '../server/src/features/sessions/idle-timeout.ts';
import { parsePayload } from './payload.ts';
import type { WorkerContext } from './worker-context.ts';

// A little after the deadline, so that a check never lands a hair before it.
const MARGIN_MS = 250;

/**
 * Revokes sessions idle for SESSION_IDLE_MINUTES and disconnects their sockets
 * with the reason. A session used since the job was scheduled is not touched: the
 * job moves itself to the new deadline (one job per session, however busy it is).
 */
export function createSessionIdleWorker(ctx: WorkerContext): Worker {
  const idle = new IdleTimeout({
    db: ctx.db,
    redis: ctx.redis,
    redisPrefix: ctx.config.REDIS_PREFIX,
    idleMs: ctx.config.SESSION_IDLE_MINUTES * 60_000,
    publisher: ctx.publisher,
  });
  return new Worker(
    QUEUES.sessionIdle,
    async (job, token) => {
      const { sessionId } = parsePayload(SessionIdleJobSchema, job, ctx.logger);
      const result = await idle.check(sessionId);
      if (result.outcome === 'active') {
        await job.moveToDelayed(result.dueAt.getTime() + MARGIN_MS, token);
        throw new DelayedError();
      }
      return result.outcome;
    },
    ctx.workerOptions(10),
  );
}
