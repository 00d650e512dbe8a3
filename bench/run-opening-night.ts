import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as connect } from 'socket.io-client';
import { seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { migrate } from '../server/src/infra/migrate.ts';
import { insertCeiling, redisLockCeiling } from './ceilings.ts';
import { HttpClient } from './http-client.ts';
import { checkIntegrity } from './integrity.ts';
import { nowMs, round } from './latency.ts';
import { startMailSink } from './mail-sink.ts';
import { type Behaviour, RushMetrics, SimulatedParent } from './parent.ts';
import { ROOT, type Started, startServer, startWorkers } from './processes.ts';
import { sourceAddress } from './source-addresses.ts';

export interface BenchOptions {
  parents: number;
  teachers: number;
  instances: number;
  /** Servers' pool size each (DATABASE_POOL_SIZE). */
  poolSize: number;
  behaviour: Behaviour;
  /** Share of parents using HTTP for holds and confirmations (the rest use the socket). */
  httpShare: number;
  /** Admin connection to PostgreSQL; the benchmark creates and drops its own database. */
  pgAdminUrl: string;
  redisUrl: string;
  /** Extra environment for the servers and workers (e.g. ADMISSION_RATE). */
  env: Record<string, string>;
  /** Start workers/index.ts when it exists. */
  workers: boolean;
  log: (line: string) => void;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  teachersPerChild: 3,
  thinkMs: 300,
  reactionMs: 1000,
  giveUpShare: 0.05,
  changeMindShare: 0.1,
  attemptsPerTeacher: 4,
};

export function defaultOptions(overrides: Partial<BenchOptions> = {}): BenchOptions {
  return {
    parents: 2000,
    teachers: 60,
    instances: 1,
    poolSize: 20,
    behaviour: DEFAULT_BEHAVIOUR,
    httpShare: 0.2,
    pgAdminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: 'redis://127.0.0.1:6379',
    env: {},
    workers: true,
    log: () => {},
    ...overrides,
  };
}

export type BenchResult = Awaited<ReturnType<typeof runOpeningNight>>;

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const mb = (bytes: number | undefined) => (bytes === undefined ? null : Math.round(bytes / 1048576));

/**
 * The opening-night benchmark: real server processes (and the workers) on the real
 * PostgreSQL and Redis, real HTTP and Socket.IO clients behaving like parents at
 * 19:00, the machine's ceilings measured in the same run, and the database checked
 * by SQL afterwards.
 */
export async function runOpeningNight(o: BenchOptions) {
  const log = o.log;
  const tag = randomBytes(4).toString('hex');
  const dbName = `confer_bench_${tag}`;
  const prefix = `bench:${tag}:`;
  const admin = new pg.Client({ connectionString: o.pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(o.pgAdminUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();

  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: o.poolSize * o.instances });
  const started: Started[] = [];
  const parents: SimulatedParent[] = [];
  const staffSockets: ReturnType<typeof connect>[] = [];
  const metrics = new RushMetrics();
  const mail = await startMailSink();
  const generatorDelay = monitorEventLoopDelay({ resolution: 10 });

  try {
    log(`database ${dbName}: migrating and seeding ${o.parents} families, ${o.teachers} teachers…`);
    await migrate(databaseUrl);
    const password = `bench-${tag}-password`;
    const school = await seedSchool(pool, {
      code: `B${tag.slice(0, 6).toUpperCase()}`,
      name: 'Opening Night Benchmark School',
      timeZone: 'Europe/London',
      teachers: o.teachers,
      families: o.parents,
      teachersPerStudent: 6,
      siblingShare: 0.4,
      slotMinutes: 5,
      gapMinutes: 0,
      maxPerStudent: 6,
      holdSeconds: 120,
      from: '16:00',
      to: '20:00',
      opensInMinutes: -1,
      password,
    });
    const { rows: slotCount } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM slots WHERE event_id = $1',
      [school.eventId],
    );

    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(o.poolSize),
      REDIS_URL: o.redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      // Every simulated parent has its own source address; the limits stay on but
      // must not count a benchmark's worth of logins as an attack.
      LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
      LOGIN_ATTEMPTS_PER_ACCOUNT: '1000',
      SESSION_IDLE_MINUTES: '600',
      SMTP_URL: mail.url,
      ...o.env,
    };
    log(`starting ${o.instances} server instance(s)${o.workers ? ' and the workers' : ''}…`);
    for (let i = 0; i < o.instances; i++) started.push(await startServer(`server-${i + 1}`, env));
    const servers = [...started];
    const workersEntry = path.join(ROOT, 'workers/index.ts');
    const workers = o.workers && existsSync(workersEntry) ? startWorkers(env, workersEntry) : null;
    if (workers) started.push(workers);
    const urls = servers.map((s) => s.url!);

    // Staff: every teacher watches their own evening; one admin watches everything.
    const staffHttp = new HttpClient(urls[0]!, '127.0.0.1');
    const staffLogin = async (email: string) => {
      const res = await staffHttp.request('POST', '/api/v1/auth/staff/login', { body: { email, password } });
      if (res.status !== 200) throw new Error(`staff login ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    };
    const staffSocket = async (token: string, i: number, join: boolean) => {
      const s = connect(urls[i % urls.length]!, {
        auth: { token },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      s.on('slot:facts', (facts: { version: number; publishedAt?: number }[]) => {
        for (const f of facts) metrics.delivered(f);
      });
      s.on('bench:ping', (p: { publishedAt: number }) => {
        if (metrics.phase === 'broadcast') metrics.broadcastToScreen.add(nowMs() - p.publishedAt);
      });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', reject);
      });
      if (join)
        await new Promise<void>((resolve) =>
          s.emit('event:join', { eventId: school.eventId }, () => resolve()),
        );
      staffSockets.push(s);
    };
    log('teachers and the admin sign in…');
    await staffSocket(await staffLogin(school.admin.email), 0, true);
    const teacherTokens: string[] = [];
    await inBatches(school.teachers, 4, async (t) => {
      teacherTokens.push(await staffLogin(t.email));
    });
    await inBatches(
      teacherTokens.map((t, i) => [t, i] as const),
      16,
      ([t, i]) => staffSocket(t, i, false),
    );
    staffHttp.close();

    const teachersOf = new Map(school.students.map((s) => [s.id, s.teacherIds]));
    school.families.forEach((f, i) => {
      parents.push(
        new SimulatedParent(
          {
            index: i,
            familyId: f.id,
            surname: f.surname,
            accessCode: f.accessCode,
            children: f.studentIds.map((id) => ({ id, teacherIds: teachersOf.get(id) ?? [] })),
            useHttp: i % Math.round(1 / Math.max(o.httpShare, 0.0001)) === 0 && o.httpShare > 0,
            baseUrl: urls[i % urls.length]!,
            localAddress: sourceAddress(i),
          },
          school.schoolCode,
          school.eventId,
          metrics,
          o.behaviour,
        ),
      );
    });
    log(`${o.parents} parents sign in, connect and join the event…`);
    const setupStart = Date.now();
    await inBatches(parents, 32, async (p) => {
      await p.login();
      await p.connect();
      await p.join();
    });
    log(`  done in ${((Date.now() - setupStart) / 1000).toFixed(1)} s`);

    log('ceilings: INSERT transactions and Redis SET NX PX…');
    const insert = await insertCeiling(pool, o.poolSize * o.instances);
    const redisCeiling = await redisLockCeiling(redis, prefix);

    const connectedAtRush =
      parents.filter((p) => p.socket?.connected).length + staffSockets.filter((s) => s.connected).length;
    for (const s of started) await s.resetStats();
    generatorDelay.enable();
    log('T0: the rush…');
    metrics.phase = 'rush';
    const t0 = Date.now() + 500;
    await Promise.all(parents.map((p) => p.rush(t0)));
    const rushEnd = Date.now();
    // Let the last deltas land before the phase changes.
    await new Promise((r) => setTimeout(r, 500));
    metrics.phase = 'done';
    generatorDelay.disable();
    const rushSeconds = (rushEnd - t0) / 1000;
    const processStats = await Promise.all(started.map((s) => s.stats()));
    const connectedAfterRush =
      parents.filter((p) => p.socket?.connected).length + staffSockets.filter((s) => s.connected).length;

    // The fan-out ceiling, as the issue defines it: a bare Socket.IO broadcast of the
    // same deltas — as many per second as the rush committed — to the same clients,
    // one message per delta to every client, with no booking logic and no interest
    // filtering or coalescing. It runs for a few seconds at that rate; deliveries
    // still missing when we stop waiting count as the time waited (a lower bound).
    const clients = parents.length + staffSockets.length;
    const deltasInRush = metrics.lastScreen.size;
    const broadcastRate = Math.max(1, Math.round(deltasInRush / rushSeconds));
    const broadcastSeconds = Math.min(3, Math.max(1, rushSeconds));
    const broadcastCount = Math.max(1, Math.round(broadcastRate * broadcastSeconds));
    log(`bare broadcast: ${broadcastCount} deltas at ${broadcastRate}/s to ${clients} clients…`);
    const emitter = new Emitter(redis, { key: `${prefix}socket.io` });
    const pad = 'x'.repeat(260);
    metrics.phase = 'broadcast';
    const bStart = nowMs();
    for (let i = 0; i < broadcastCount; i++) {
      const due = bStart + (i * 1000) / broadcastRate;
      const wait = due - nowMs();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      emitter.emit('bench:ping', { version: i, publishedAt: nowMs(), pad });
    }
    const expected = broadcastCount * connectedAfterRush;
    const settleBy = Date.now() + 90_000;
    while (metrics.broadcastToScreen.count < expected && Date.now() < settleBy)
      await new Promise((r) => setTimeout(r, 100));
    const broadcastDelivered = metrics.broadcastToScreen.count;
    const waited = nowMs() - bStart;
    for (let i = broadcastDelivered; i < expected; i++) metrics.broadcastToScreen.add(waited);
    metrics.phase = 'done';

    const integrity = await checkIntegrity(pool, school.eventId, metrics.confirmedIds);
    const pgVersion = (await pool.query<{ v: string }>('SHOW server_version')).rows[0]!.v;
    const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';

    const hold = metrics.holdAck.summary();
    const confirm = metrics.confirmAck.summary();
    const losers = metrics.loserAck.summary();
    const screen = metrics.commitToScreen.summary();
    const everyScreen = [...metrics.lastScreen.values()].sort((a, b) => a - b);
    const everyScreenP99 = everyScreen.length
      ? round(everyScreen[Math.ceil(everyScreen.length * 0.99) - 1]!)
      : null;
    const broadcast = metrics.broadcastToScreen.summary();
    const bookingsPerSecond = round(metrics.bookingsConfirmed / rushSeconds);
    const serverStats = processStats.slice(0, servers.length).map((s, i) => ({
      name: servers[i]!.name,
      peakRssMb: mb(s?.peakRssBytes),
      rssMb: mb(s?.rssBytes),
      heapUsedMb: mb(s?.heapUsedBytes),
      externalMb: mb(s?.externalBytes),
      eventLoopDelayP99Ms: s ? round(s.eventLoopDelayP99Ms) : null,
      eventLoopDelayMaxMs: s ? round(s.eventLoopDelayMaxMs) : null,
    }));
    const workerStats = workers ? processStats[servers.length] : null;
    const ratios = {
      bookingsToInsertCeiling: round(bookingsPerSecond / insert.perSecond, 3),
      screenToBroadcastP99:
        screen.p99 !== null && broadcast.p99 ? round(screen.p99 / broadcast.p99, 2) : null,
    };
    const maxRss = Math.max(...serverStats.map((s) => s.peakRssMb ?? 0));
    const target = (name: string, value: number | null, limit: string, ok: boolean) => ({
      name,
      value,
      target: limit,
      ok,
    });
    const targets = [
      target('hold ack p99 (ms)', hold.p99, '≤ 150', (hold.p99 ?? 0) <= 150),
      target('confirm ack p99 (ms)', confirm.p99, '≤ 150', (confirm.p99 ?? 0) <= 150),
      target('losers ack p99 (ms)', losers.p99, '≤ 20', (losers.p99 ?? 0) <= 20),
      target(
        'commit-to-screen p99 (ms)',
        screen.p99,
        o.parents > 2000 ? '≤ 1000' : '≤ 300',
        (screen.p99 ?? 0) <= (o.parents > 2000 ? 1000 : 300),
      ),
      target('server peak RSS (MB)', maxRss, '≤ 400', maxRss <= 400),
      target(
        'bookings/s ÷ INSERT ceiling',
        ratios.bookingsToInsertCeiling,
        '≥ 0.30',
        ratios.bookingsToInsertCeiling >= 0.3,
      ),
      target(
        'commit-to-screen p99 ÷ bare broadcast p99',
        ratios.screenToBroadcastP99,
        '≤ 1.2',
        (ratios.screenToBroadcastP99 ?? Number.POSITIVE_INFINITY) <= 1.2,
      ),
      target(
        'double bookings + clashes',
        integrity.doubleBookings + integrity.clashes,
        '= 0',
        integrity.doubleBookings + integrity.clashes === 0,
      ),
      target('sockets connected', connectedAtRush, `= ${clients}`, connectedAtRush === clients),
    ];

    return {
      at: new Date().toISOString(),
      options: {
        parents: o.parents,
        teachers: o.teachers,
        instances: o.instances,
        poolSize: o.poolSize,
        httpShare: o.httpShare,
        behaviour: o.behaviour,
        env: o.env,
        slots: slotCount[0]!.n,
        students: school.students.length,
      },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? '?',
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
        postgres: pgVersion,
        redis: redisVersion,
        platform: `${os.type()} ${os.release()}`,
      },
      ceilings: {
        insertPerSecond: insert.perSecond,
        insert,
        redisSetNxPerSecond: redisCeiling.perSecond,
        redis: redisCeiling,
        broadcast: {
          ...broadcast,
          deltasPerSecond: broadcastRate,
          deltas: broadcastCount,
          clients,
          expectedDeliveries: expected,
          delivered: broadcastDelivered,
        },
      },
      rush: {
        seconds: round(rushSeconds, 2),
        holdAttempts: metrics.holdAttempts,
        holdAttemptsPerSecond: round(metrics.holdAttempts / rushSeconds),
        holdsOk: metrics.holdsOk,
        confirmCalls: metrics.confirmCalls,
        bookingsConfirmed: metrics.bookingsConfirmed,
        bookingsPerSecond,
        releases: metrics.releases,
        gaveUp: metrics.gaveUp,
        changedMind: metrics.changedMind,
        noFreeSlot: metrics.noFreeSlot,
        refusals: metrics.refusals,
        transportErrors: metrics.transportErrors,
        deltas: deltasInRush,
        emailsDelivered: mail.received(),
        deliveries: metrics.commitToScreen.count,
        deliveriesPerSecond: Math.round(metrics.commitToScreen.count / rushSeconds),
      },
      acks: { hold, confirm, losers, busy: metrics.busyAck.summary() },
      commitToScreen: { ...screen, everyScreenP99, facts: metrics.lastScreen.size },
      ratios,
      integrity,
      processes: {
        servers: serverStats,
        workers: workerStats
          ? {
              peakRssMb: mb(workerStats.peakRssBytes),
              eventLoopDelayP99Ms: round(workerStats.eventLoopDelayP99Ms),
            }
          : null,
      },
      sockets: { expected: clients, connectedAtRush, connectedAfterRush },
      loadGenerator: { eventLoopDelayP99Ms: round(generatorDelay.percentile(99) / 1e6) },
      targets,
    };
  } finally {
    for (const p of parents) p.close();
    for (const s of staffSockets) s.disconnect();
    await Promise.all(started.map((s) => s.stop()));
    await pool.end();
    await mail.close();
    // The benchmark's keys: sessions, locks, queues, the adapter's channels.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    const cleanup = new pg.Client({ connectionString: o.pgAdminUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await cleanup.end();
  }
}
