import { randomUUID } from 'node:crypto';
import { type Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailJob } from '../../protocol/jobs.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { outboxMailHandler, outboxMails } from '../../server/src/features/mail/mail-queue.ts';
import { createDb, type Db } from '../../server/src/infra/db.ts';
import { OutboxRelay } from '../../server/src/infra/outbox-relay.ts';
import { bullPrefix, createEmailQueue } from '../../server/src/wiring/queues.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { REDIS_URL } from '../support/env.ts';
import { testPrefix } from '../support/test-app.ts';

// A Redis that loses its data (no persistence, a fail-over to an empty replica) must
// not lose a mail whose outbox row was already handed to BullMQ: the chaos run counted
// 19 confirmations without mail in redis-kill-no-persistence while the relay deleted a
// row as soon as Redis had taken its job (migration 018).
let database: TestDatabase;
let db: Db;
let redis: Redis;
let queue: Queue<EmailJob>;
const prefix = testPrefix();

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, 4);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = createEmailQueue(redis, prefix);
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await db?.end();
  await database?.drop();
});

async function dropEveryKeyOfThisFile(): Promise<void> {
  const keys = await redis.keys(`${bullPrefix(prefix)}*`);
  if (keys.length) await redis.del(...keys);
}

describe('a mail row whose job Redis lost', () => {
  it('is added again under the same id, and leaves the outbox only once its job has run', async () => {
    const relay = new OutboxRelay(
      db,
      {
        mail: outboxMailHandler(queue, { attempts: 3, backoffMs: 100 }),
        facts: async () => {},
      },
      { pollMs: 50, factGraceMs: 0, batch: 100, handlerTimeoutMs: 5000, recheckMs: 0 },
      () => {},
    );
    const bookingId = randomUUID();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO outbox (topic, event_id, mail_kind, family_id, booking_ids, actor_kind)
       VALUES ('mail', $1, 'confirmed', $2, ARRAY[$3::uuid], 'family') RETURNING id::text`,
      [randomUUID(), randomUUID(), bookingId],
    );
    const [job] = outboxMails({
      id: rows[0]!.id,
      topic: 'mail',
      eventId: randomUUID(),
      mailKind: 'confirmed',
      familyId: randomUUID(),
      bookingIds: [bookingId],
      actorKind: 'family',
      versions: null,
    });
    const jobId = emailKey(job!);
    const outboxRows = async () => (await db.query('SELECT 1 FROM outbox')).rowCount;

    await relay.relayDue();
    expect(await queue.getJobState(jobId)).toBe('waiting');
    expect(await outboxRows()).toBe(1);

    // Redis comes back empty: the job is gone, the row is not, and the next look adds it again.
    await dropEveryKeyOfThisFile();
    expect(await queue.getJobState(jobId)).toBe('unknown');
    await relay.relayDue();
    expect(await queue.getJobState(jobId)).toBe('waiting');
    expect(await outboxRows()).toBe(1);

    // Once the job has run, the row goes.
    const worker = new Worker(queue.name, async () => 'sent', {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix: bullPrefix(prefix),
    });
    try {
      await expect.poll(() => queue.getJobState(jobId), { timeout: 10_000 }).toBe('completed');
    } finally {
      await worker.close();
    }
    await relay.relayDue();
    expect(await outboxRows()).toBe(0);
    await relay.close();
  });
});
