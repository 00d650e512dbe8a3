import {
  MAIL_OUTCOME_TTL_SECONDS,
  type MailOutcome,
  mailOutcomeKey,
  WORKERS_HEARTBEAT_SECONDS,
  WORKERS_STALE_SECONDS,
  workersHeartbeatKey,
} from '../server/src/features/status/status-keys.ts';
import type { Mailer } from '../server/src/infra/mailer.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * What the status report (server/src/features/status) reads of the workers, which
 * run in their own processes: a heartbeat every WORKERS_HEARTBEAT_SECONDS and the
 * outcome of the last message given to the SMTP relay. Several worker processes
 * write the same keys: the newest beat and the newest outcome win, which is the
 * question the status page asks ("is anyone sending?"). A failed write is only
 * logged: the status is a report, never a reason to stop work.
 *
 * Wraps `ctx.mailer` in place, before any worker is built from the context, so every
 * send is seen without the e-mail worker knowing of it. Resolves to the stop function.
 */
/** How stale the stored time of an unchanged mail outcome may get (the page shows seconds ago). */
const OUTCOME_REFRESH_MS = 5000;

export async function startStatusHeartbeat(ctx: WorkerContext): Promise<() => Promise<void>> {
  const { redis, logger } = ctx;
  const prefix = ctx.config.REDIS_PREFIX;
  const warn = (err: unknown) => logger.warn({ err: (err as Error).message }, 'status heartbeat not written');
  // Expires on its own once stale, so a stopped service leaves no beat behind.
  const beat = () =>
    redis
      .set(workersHeartbeatKey(prefix), String(Date.now()), 'EX', WORKERS_STALE_SECONDS * 2)
      .then(() => {}, warn);
  // Written when the outcome changes, else at most every OUTCOME_REFRESH_MS: a Redis
  // write per mail sent told the status page nothing the first one had not.
  let last: MailOutcome | null = null;
  ctx.mailer = recordingOutcomes(ctx.mailer, (outcome) => {
    if (last && last.ok === outcome.ok && outcome.at - last.at < OUTCOME_REFRESH_MS) return;
    last = outcome;
    redis.set(mailOutcomeKey(prefix), JSON.stringify(outcome), 'EX', MAIL_OUTCOME_TTL_SECONDS).catch(warn);
  });
  // The first beat is written before the workers count as started.
  await beat();
  const timer = setInterval(beat, WORKERS_HEARTBEAT_SECONDS * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
  };
}

/** A mailer that reports whether each send was accepted; no address or subject leaves it. */
function recordingOutcomes(mailer: Mailer, record: (o: MailOutcome) => void): Mailer {
  return {
    async send(mail) {
      try {
        const sent = await mailer.send(mail);
        record({ ok: true, at: Date.now() });
        return sent;
      } catch (err) {
        record({ ok: false, at: Date.now() });
        throw err;
      }
    },
    close: () => mailer.close(),
  };
}
