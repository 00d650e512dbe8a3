import { factChannel } from '../server/src/features/live/fact-channel.ts';
import { Publisher } from '../server/src/features/live/publisher.ts';
import { HeardFacts, unannouncedFactsHandler } from '../server/src/features/live/unannounced-facts.ts';
import { outboxMailHandler } from '../server/src/features/mail/mail-queue.ts';
import { createSocketEmitter } from '../server/src/infra/emitter.ts';
import { OutboxRelay } from '../server/src/infra/outbox-relay.ts';
import { createRedis } from '../server/src/infra/redis.ts';
import { createEmailQueue } from '../server/src/wiring/queues.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * The outbox relay of the worker process: mail rows become e-mail jobs, fact rows
 * nobody announced are published. Its Redis connections fail fast (unlike BullMQ
 * workers' blocking connection, which queues commands while Redis is away): a relay
 * round that cannot reach Redis should fail and leave its rows, not hang holding them.
 */
export async function startOutboxRelay(ctx: WorkerContext): Promise<{ close(): Promise<void> }> {
  const { config } = ctx;
  const logError = (err: unknown, context: string) =>
    ctx.logger.warn({ err: err instanceof Error ? err.message : err, context }, 'outbox relay round failed');
  const queueRedis = createRedis(config.REDIS_URL);
  const publishRedis = createRedis(config.REDIS_URL);
  // A duplicate has no command time-out (redis.ts): ioredis re-subscribes after a
  // reconnection without catching, and a time-out there was an unhandled rejection.
  const subscriber = publishRedis.duplicate();
  subscriber.on('error', () => {});
  // The Socket.IO emitter PUBLISHes without awaiting (itinerary:changed): while Redis
  // is away each of those failed as an unhandled rejection ("Command timed out"). It
  // gets a publish that swallows failures (the family's screen resyncs on reconnect);
  // the fact channel keeps the strict one, whose failure keeps the outbox rows.
  const publishStrictly = publishRedis.publish.bind(publishRedis) as (
    channel: string,
    message: string,
  ) => Promise<number>;
  publishRedis.publish = ((channel: string, message: string) =>
    publishStrictly(channel, message).catch(() => 0)) as typeof publishRedis.publish;
  const emailQueue = createEmailQueue(queueRedis, config.REDIS_PREFIX);
  emailQueue.on('error', () => {});
  // Remembered longer than a fact row waits, so a fact published right after its
  // commit is still known when the relay looks at its row.
  const heard = new HeardFacts(Math.max(60_000, config.OUTBOX_FACT_GRACE_MS * 10));
  await heard.listen(subscriber, config.REDIS_PREFIX).catch((err) => logError(err, 'subscribe to facts'));
  const channel = factChannel(config.REDIS_PREFIX);
  const strictPublisher = new Publisher(createSocketEmitter(publishRedis, config.REDIS_PREFIX), (envelopes) =>
    publishStrictly(channel, JSON.stringify(envelopes)),
  );
  const relay = new OutboxRelay(
    ctx.db,
    {
      mail: outboxMailHandler(emailQueue, {
        attempts: config.EMAIL_ATTEMPTS,
        backoffMs: config.EMAIL_BACKOFF_MS,
      }),
      facts: unannouncedFactsHandler(heard, strictPublisher),
    },
    {
      pollMs: config.OUTBOX_POLL_MS,
      factGraceMs: config.OUTBOX_FACT_GRACE_MS,
      batch: 500,
      handlerTimeoutMs: 5000,
      recheckMs: config.OUTBOX_MAIL_RECHECK_MS,
    },
    logError,
  );
  relay.start();
  return {
    async close() {
      await relay.close();
      await emailQueue.close().catch(() => {});
      for (const r of [queueRedis, subscriber, publishRedis]) r.disconnect();
    },
  };
}
