import type { Queue } from 'bullmq';
import { jobIds, type SessionIdleJob } from '../../../../protocol/jobs.ts';

/**
 * The `onSessionTouched` hook: makes sure one delayed check exists per session.
 * SessionStore calls it at most every 30 s per session, and while the check is
 * pending the add is a no-op (deterministic id), so activity costs no more than
 * that. The check itself reads the last activity from the database and, if the
 * session was used since, moves itself to the new deadline.
 */
export function idleTimeoutScheduler(
  queue: Queue<SessionIdleJob>,
  idleMs: number,
  logError: (err: unknown, context: string) => void,
): (sessionId: string, at: Date) => void {
  return (sessionId, at) => {
    queue
      .add(
        'idle-check',
        { sessionId },
        {
          jobId: jobIds.sessionIdle(sessionId),
          delay: Math.max(0, at.getTime() + idleMs - Date.now()),
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          // Gone once done, so a later touch of a still-live session can schedule again.
          removeOnComplete: true,
          removeOnFail: true,
        },
      )
      .catch((err) => logError(err, 'schedule idle time-out'));
  };
}
