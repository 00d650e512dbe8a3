import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { circuitOf, inTransaction } from '../../server/src/infra/db.ts';
import { migrate } from '../../server/src/infra/migrate.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// A PostgreSQL blip killed the servers ("Unhandled 'error' event" on a
// checked-out client) and a frozen PostgreSQL got slow answers and 500s instead of
// fast 503s. These run on a PostgreSQL of their own, never the shared one.
let server: PrivatePostgres;
let app: TestApp;
let school: SeededSchool;
let token: string;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrate(server.url);
  app = await startTestApp(
    { DATABASE_POOL_SIZE: '6' },
    { database: { name: 'confer', url: server.url, drop: async () => {} } },
  );
  school = await seedSmallSchool(app);
  token = await loginFamily(app, school, 0);
}, 120_000);

afterAll(async () => {
  server?.thaw();
  await app?.close();
  await server?.destroy();
});

async function availability(timeoutMs = 5000) {
  const started = Date.now();
  try {
    const res = await fetch(`${app.url}/api/v1/events/${school.eventId}/availability`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.json().catch(() => null);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body, ms: Date.now() - started };
  } catch {
    return { status: 0, retryAfter: null, body: null, ms: Date.now() - started };
  }
}

describe('PostgreSQL drops connections mid-transaction', () => {
  it('the process lives on and the next request succeeds', async () => {
    const unexpected: unknown[] = [];
    const onUncaught = (err: unknown) => unexpected.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // Transactions that hold their client checked out, idle between statements,
      // when PostgreSQL cuts every connection: pg reports it on the client itself.
      const inFlight = Array.from({ length: 4 }, () =>
        inTransaction(app.db, async (c) => {
          await c.query('SELECT 1');
          await new Promise((r) => setTimeout(r, 800));
          await c.query('SELECT 1');
        }).then(
          () => 'committed',
          () => 'failed',
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(await server.terminateBackends()).toBeGreaterThanOrEqual(4);
      expect(await Promise.all(inFlight)).toEqual(['failed', 'failed', 'failed', 'failed']);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(unexpected).toEqual([]);
    const next = await availability();
    expect(next.status).toBe(200);
  });
});

describe('PostgreSQL frozen (SIGSTOP)', () => {
  it('answers 503 unavailable with Retry-After within a second, never 500, and recovers after SIGCONT', async () => {
    expect((await availability()).status).toBe(200);
    server.freeze();
    const answers: Awaited<ReturnType<typeof availability>>[] = [];
    try {
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        answers.push(...(await Promise.all([availability(), availability(), availability()])));
      }
    } finally {
      server.thaw();
    }
    expect(answers.filter((a) => a.status !== 503)).toEqual([]);
    for (const a of answers) {
      expect(a.body.error.code).toBe('unavailable');
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Liveness bounds, generous: the first callers wait until the heartbeat misses
    // twice (2 × DATABASE_PROBE_TIMEOUT_MS + an interval, ~1.75 s); once the circuit
    // is open the answer is immediate.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2500);
    expect(Math.max(...answers.slice(3).map((a) => a.ms))).toBeLessThan(1000);
    expect(circuitOf(app.db)?.state).not.toBe('closed');
    await expect
      .poll(async () => (await availability()).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
  });

  it('/healthz tells the truth within a second while PostgreSQL is frozen', async () => {
    server.freeze();
    try {
      const started = Date.now();
      const res = await fetch(`${app.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ postgres: false, redis: true });
    } finally {
      server.thaw();
    }
    await expect
      .poll(async () => (await fetch(`${app.url}/healthz`)).status, { timeout: 10_000, interval: 200 })
      .toBe(200);
  });
});

describe('PostgreSQL killed and restarted', () => {
  it('requests are answered 503 at once while it is down, and succeed once it is back', async () => {
    server.kill();
    try {
      await new Promise((r) => setTimeout(r, 300));
      const down = await Promise.all([availability(), availability(), availability()]);
      expect(down.map((a) => a.status)).toEqual([503, 503, 503]);
      expect(Math.max(...down.map((a) => a.ms))).toBeLessThan(1500);
    } finally {
      await server.restart();
    }
    // The connections of before the crash are discarded, not handed out again.
    await expect
      .poll(async () => (await availability()).status, { timeout: 15_000, interval: 250 })
      .toBe(200);
  });
});
