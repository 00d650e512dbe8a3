import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, HoldExpiryJob, ServerToClientEvents } from '../../protocol/index.ts';
import { type Config, loadConfig } from '../../server/src/config.ts';
import { CONFIRMATION_GRACE_MS } from '../../server/src/features/booking/confirmation-grace.ts';
import { createDb, type Db, dbSettings } from '../../server/src/infra/db.ts';
import { createRedis } from '../../server/src/infra/redis.ts';
import { type AppDeps, type ConferApp, createApp } from '../../server/src/wiring/app.ts';
import { createHoldExpiryQueue, holdExpiryScheduler } from '../../server/src/wiring/queues.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { REDIS_URL } from './env.ts';

export interface AppHooks extends Pick<AppDeps, 'onSessionTouched'> {
  close?(): Promise<void>;
}

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestApp {
  url: string;
  config: Config;
  db: Db;
  redis: Redis;
  database: TestDatabase;
  confer: ConferApp;
  holdQueue: Queue<HoldExpiryJob>;
  /** JSON request against the API; returns status, body and headers. */
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  socket(token: string, opts?: { localAddress?: string }): Promise<ClientSocket>;
  close(): Promise<void>;
}

/** A unique Redis key prefix and BullMQ prefix for one test file. */
export function testPrefix(): string {
  return `t:${randomBytes(5).toString('hex')}:`;
}

/**
 * Starts Confer on port 0 against its own database and Redis prefix: the real
 * PostgreSQL and the real Redis, nothing mocked.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shared?: {
    database?: TestDatabase;
    prefix?: string;
    /** The built client to serve (browser tests); none by default. */
    clientDir?: string | null;
    /** Listen on this port instead of a free one (a browser test restarting the server). */
    port?: number;
    /** The workers' hooks (e-mail notifications, idle time-outs), built once config and Redis exist. */
    hooks?: (ctx: { config: Config; redis: Redis; db: Db }) => AppHooks;
  },
): Promise<TestApp> {
  const database = shared?.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_PREFIX: shared?.prefix ?? testPrefix(),
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '10',
    ...env,
  });
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE, dbSettings(config));
  const redis = createRedis(config.REDIS_URL, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    circuitOpenMs: config.CIRCUIT_OPEN_MS,
  });
  const holdQueue = createHoldExpiryQueue(redis, config.REDIS_PREFIX);
  const hooks = shared?.hooks?.({ config, redis, db });
  const confer = createApp({
    config,
    db,
    redis,
    logger: pino({ level: 'silent' }),
    holdExpiry: holdExpiryScheduler(holdQueue, CONFIRMATION_GRACE_MS),
    clientDir: shared?.clientDir ?? null,
    onSessionTouched: hooks?.onSessionTouched,
  });
  await new Promise<void>((resolve) => confer.http.listen(shared?.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(confer.http.address() as AddressInfo).port}`;
  const sockets: ClientSocket[] = [];
  let closed: Promise<void> | undefined;

  return {
    url,
    config,
    db,
    redis,
    database,
    confer,
    holdQueue,
    async api(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async socket(token, opts = {}) {
      const s: ClientSocket = connectSocket(url, {
        auth: { token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      } as never);
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', (err) => reject(err));
      });
      return s;
    },
    close() {
      closed ??= shutDown();
      return closed;
    },
  };

  // Once only: a test that restarts the app may close it again in afterAll.
  async function shutDown() {
    for (const s of sockets) s.disconnect();
    confer.http.closeAllConnections?.();
    await confer.close();
    await new Promise<void>((r) => confer.http.close(() => r()));
    // Bounded: BullMQ waits for a connection that a test may have left down (its
    // private Redis stopped), and an afterAll must not hang on that.
    await settleWithin(holdQueue.obliterate({ force: true }), 3000);
    await settleWithin(holdQueue.close(), 3000);
    await settleWithin(hooks?.close?.() ?? Promise.resolve(), 10_000);
    await db.end();
    redis.disconnect();
    if (!shared?.database) await database.drop();
  }
}

/** Waits for `work` to end, or `ms`, whichever comes first; its failure is ignored. */
function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(
      () => {},
      () => {},
    ),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
