import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, redisCircuitOf } from '../../server/src/infra/redis.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';

// Found by the chaos run (redis-kill-no-persistence): after Redis came back, the
// workers' outbox relay failed every round for the rest of the run ("redis is
// unavailable" / "Command timed out"), so mail and facts written meanwhile were never
// relayed. The circuit in front of the client also refused ioredis' own ready check
// (INFO) while open, so the connection never became ready; the one probe the
// half-open circuit lets through went to a caller's command instead, which the
// not-ready connection refused, and the circuit opened again. A client that is
// busy — every relay round, every booking — stayed cut off from a Redis that was
// back. On a Redis of its own, never the shared one.
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(() => {
  redis?.destroy();
});

describe('a busy Redis client through an outage', () => {
  it('is answered again within a few seconds of Redis coming back (empty), with the circuit closed', async () => {
    const client = createRedis(redis.url, { commandTimeoutMs: 500, circuitOpenMs: 300 });
    try {
      await client.set('k', '1');
      let stop = false;
      const lastOk = { at: 0 };
      // Callers keep coming, as relay rounds and bookings do.
      const callers = (async () => {
        while (!stop) {
          await client.get('k').then(
            () => {
              lastOk.at = Date.now();
            },
            () => {},
          );
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      redis.kill();
      await new Promise((r) => setTimeout(r, 1500));
      expect(redisCircuitOf(client)?.state).toBe('open');
      await redis.restart({ keepData: false });
      const back = Date.now();
      const deadline = back + 8000;
      while (lastOk.at < back && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      stop = true;
      await callers;
      expect(lastOk.at, 'no command answered within 8 s of Redis coming back').toBeGreaterThanOrEqual(back);
      expect(redisCircuitOf(client)?.state).toBe('closed');
      expect(client.status).toBe('ready');
    } finally {
      client.disconnect();
    }
  }, 30_000);
});
