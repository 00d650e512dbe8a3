import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as connect } from 'socket.io-client';
import type { LoginResponse } from '../protocol/index.ts';
import { seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { migrate } from '../server/src/infra/migrate.ts';
import { planBookings } from './booking-plan.ts';
import { runCapacitySteps } from './capacity.ts';
import { insertCeiling, redisLockCeiling } from './ceilings.ts';
import { type CpuReading, cpuDelta, processCpuMs, treeCpuMs } from './cpu-time.ts';
import { dbOnlyBookingCeiling } from './db-only-ceiling.ts';
import { HttpClient } from './http-client.ts';
import { checkIntegrity } from './integrity.ts';
import { nowMs, round } from './latency.ts';
import { startMailSink } from './mail-sink.ts';
import { type Behaviour, RushMetrics, SimulatedParent } from './parent.ts';
import { type BenchService, pinProcess, startBenchPostgres, startBenchRedis } from './pinned-services.ts';
import { ROOT, type Started, startServer, startWorkers } from './processes.ts';
import { sourceAddress } from './source-addresses.ts';
import { summaryOf } from './summary.ts';

export type Profile = 'human' | 'capacity' | 'overload';

export interface BenchOptions {
  profile: Profile;
  parents: number;
  teachers: number;
  /**
   * Pin the load generator to CPU 0 and the system under test — servers, workers and
   * the benchmark's own PostgreSQL and Redis, started for the run — to CPU 1 (taskset).
   * Off: everything shares every core, on the shared PostgreSQL and Redis.
   */
  pin: boolean;
  /** Human profile: a third of the parents arrive within burstSeconds, the rest over the following spreadSeconds. */
  arrival: { burstSeconds: number; spreadSeconds: number };
  /** Capacity profile: bookings/s of each step, seconds per step; stops after the first step past the knee unless allSteps. */
  capacity: { rates: number[]; stepSeconds: number; allSteps: boolean };
  /** Overload profile: the knee its goodput is a share of (bookings/s), or null when none is known. */
  knee: number | null;
  /** Scales how long the ceilings and the idle reading run (1: 3 s INSERT, 2 s Redis, 4 s booking SQL, 3 s idle); the tests' small runs use less. */
  ceilingScale: number;
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

/** Today's fast clickers (the overload profile): a tap every 150–450 ms, all within a second of T0. */
export const DEFAULT_BEHAVIOUR: Behaviour = {
  teachersPerChild: 3,
  thinkMs: 300,
  think: 'uniform',
  reactionMs: 1000,
  giveUpShare: 0.05,
  changeMindShare: 0.1,
  attemptsPerTeacher: 4,
};

/** People at 19:00 (the human profile): a few seconds reading the grid before each tap. */
export const HUMAN_BEHAVIOUR: Behaviour = {
  teachersPerChild: 2,
  thinkMs: 4000,
  think: 'lognormal',
  reactionMs: 0,
  giveUpShare: 0.05,
  changeMindShare: 0.1,
  attemptsPerTeacher: 4,
};

/** The school grows with its families: one teacher per ~33 families. */
export const teachersFor = (parents: number) => Math.max(2, Math.round(parents / 33));

export const DEFAULT_CAPACITY = { rates: [50, 100, 200, 400, 800], stepSeconds: 15, allSteps: false };

export function defaultOptions(overrides: Partial<BenchOptions> = {}): BenchOptions {
  const parents = overrides.parents ?? 2000;
  const profile = overrides.profile ?? 'human';
  return {
    profile,
    parents,
    teachers: teachersFor(parents),
    pin: false,
    arrival: { burstSeconds: 10, spreadSeconds: 170 },
    capacity: DEFAULT_CAPACITY,
    knee: null,
    ceilingScale: 1,
    instances: 1,
    poolSize: 20,
    behaviour: profile === 'human' ? HUMAN_BEHAVIOUR : DEFAULT_BEHAVIOUR,
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

/** The evening's shape: enough slots for what the profile's parents want. */
function eveningFor(o: BenchOptions) {
  if (o.profile !== 'capacity') {
    // 120 slots a teacher: ~33 families × 1.4 children × 2 teachers each ≈ 92 wanted.
    return { slotMinutes: 4, from: '14:00', to: '22:00' };
  }
  // Capacity: every step's bookings need a slot of their own, but no more than the
  // school's students can book (about 1.4 children a family, six teachers each).
  const wanted = Math.min(
    o.capacity.rates.reduce((a, r) => a + r, 0) * o.capacity.stepSeconds,
    o.parents * 1.4 * 6,
  );
  const perTeacher = Math.ceil((wanted * 1.2) / o.teachers);
  return { slotMinutes: Math.min(5, Math.max(1, Math.floor(720 / perTeacher))), from: '08:00', to: '20:00' };
}

/** When the human profile's parent i arrives: a third within the burst, the rest spread after it. */
function arrivalMs(i: number, parents: number, o: BenchOptions['arrival']): number {
  const order = (i * 7919) % parents; // a fixed shuffle, so siblings of index are not neighbours in time
  const early = Math.ceil(parents / 3);
  if (order < early) return (order / early) * o.burstSeconds * 1000;
  return (o.burstSeconds + ((order - early) / Math.max(1, parents - early)) * o.spreadSeconds) * 1000;
}

/**
 * The opening-night benchmark: real server processes (and the workers) on a real
 * PostgreSQL and Redis, real HTTP and Socket.IO clients behaving like parents at
 * 19:00 (human), or an open-loop booking rate stepping up (capacity), or today's
 * fast clickers (overload); the machine's ceilings measured in the same run, the
 * CPU each server-side process spent per booking, and the database checked by SQL.
 */
export async function runOpeningNight(o: BenchOptions) {
  const log = o.log;
  const tag = randomBytes(4).toString('hex');
  const dbName = `confer_bench_${tag}`;
  const prefix = `bench:${tag}:`;
  const generatorCpu = '0';
  const sutCpu = '1';
  const pinned = o.pin && os.cpus().length >= 2;
  const services: BenchService[] = [];
  let pgAdminUrl = o.pgAdminUrl;
  let redisUrl = o.redisUrl;
  if (pinned) {
    pinProcess(process.pid, generatorCpu);
    log(
      `pinned: load generator (pid ${process.pid}) on CPU ${generatorCpu}; starting PostgreSQL and Redis on CPU ${sutCpu}…`,
    );
    const [pgService, redisService] = await Promise.all([
      startBenchPostgres(sutCpu),
      startBenchRedis(sutCpu),
    ]);
    services.push(pgService, redisService);
    pgAdminUrl = pgService.url;
    redisUrl = redisService.url;
  }
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(pgAdminUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();

  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: o.poolSize * o.instances });
  const started: Started[] = [];
  const parents: SimulatedParent[] = [];
  const staffSockets: ReturnType<typeof connect>[] = [];
  const metrics = new RushMetrics();
  const mail = await startMailSink();
  const generatorDelay = monitorEventLoopDelay({ resolution: 10 });

  try {
    const evening = eveningFor(o);
    log(
      `profile ${o.profile}; database ${dbName}: migrating and seeding ${o.parents} families, ${o.teachers} teachers (${evening.slotMinutes}-minute slots ${evening.from}–${evening.to})…`,
    );
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
      slotMinutes: evening.slotMinutes,
      gapMinutes: 0,
      maxPerStudent: 6,
      holdSeconds: 120,
      from: evening.from,
      to: evening.to,
      opensInMinutes: -1,
      password,
    });
    // The database-only ceiling books in a school of its own, so it takes no slot
    // the parents want.
    const ceilingSchool = await seedSchool(pool, {
      code: `C${tag.slice(0, 6).toUpperCase()}`,
      name: 'Ceiling School',
      timeZone: 'Europe/London',
      teachers: Math.max(4, Math.round(20 * o.ceilingScale)),
      families: Math.max(100, Math.round(600 * o.ceilingScale)),
      teachersPerStudent: 6,
      siblingShare: 0.4,
      slotMinutes: 3,
      gapMinutes: 0,
      maxPerStudent: 6,
      holdSeconds: 120,
      from: '08:00',
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
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      // Every simulated parent has its own source address; the limits stay on but
      // must not count a benchmark's worth of logins as an attack.
      LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
      LOGIN_ATTEMPTS_PER_ACCOUNT: '1000',
      SESSION_IDLE_MINUTES: '600',
      SMTP_URL: mail.url,
      // Capacity asks what the machine serves, not what the event's configured
      // admission rate lets through: the rate bucket is off (the queue bound that
      // answers "busy" when connections run out stays on). Overridable by flag.
      ...(o.profile === 'capacity' ? { ADMISSION_RATE: '0' } : {}),
      ...o.env,
    };
    const cpus = pinned ? sutCpu : null;
    log(
      `starting ${o.instances} server instance(s)${o.workers ? ' and the workers' : ''}${pinned ? ` on CPU ${sutCpu}` : ''}…`,
    );
    for (let i = 0; i < o.instances; i++) started.push(await startServer(`server-${i + 1}`, env, cpus));
    const servers = [...started];
    const workersEntry = path.join(ROOT, 'workers/index.ts');
    const workers = o.workers && existsSync(workersEntry) ? startWorkers(env, workersEntry, cpus) : null;
    if (workers) started.push(workers);
    const urls = servers.map((s) => s.url!);

    // Whose CPU is the system under test's. Unpinned, PostgreSQL and Redis are the
    // shared services, whose CPU includes whatever other sessions ask of them.
    const pgRoot = pinned
      ? services[0]!.pid()
      : await (async () => {
          const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          try {
            const st = (await import('node:fs')).readFileSync(`/proc/${backend}/stat`, 'utf8');
            return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
          } catch {
            return 0;
          }
        })();
    const redisPid = pinned
      ? services[1]!.pid()
      : Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
    const readCpu = (): CpuReading => {
      const r: CpuReading = {};
      for (const s of servers) r[s.name] = processCpuMs(s.child.pid!);
      if (workers) r.workers = processCpuMs(workers.child.pid!);
      r.postgres = pgRoot ? treeCpuMs(pgRoot) : 0;
      r.redis = redisPid ? processCpuMs(redisPid) : 0;
      r.generator = processCpuMs(process.pid);
      return r;
    };

    // Staff: every teacher watches their own evening; one admin watches everything.
    const staffHttp = new HttpClient(urls[0]!, '127.0.0.1');
    const staffLogin = async (email: string) => {
      let res = await staffHttp.request('POST', '/api/v1/auth/staff/login', { body: { email, password } });
      for (let i = 0; res.status === 503 && i < 20; i++) {
        await new Promise((r) => setTimeout(r, Number(res.headers['retry-after'] ?? 1) * 1000));
        res = await staffHttp.request('POST', '/api/v1/auth/staff/login', { body: { email, password } });
      }
      if (res.status !== 200) throw new Error(`staff login ${res.status}: ${JSON.stringify(res.body)}`);
      return (res.body as LoginResponse).token;
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
    // Capacity's parents keep no grid: their bookings are planned (bench/booking-plan.ts).
    const behaviour = o.profile === 'capacity' ? { ...o.behaviour, teachersPerChild: 0 } : o.behaviour;
    school.families.forEach((f, i) => {
      parents.push(
        new SimulatedParent(
          {
            index: i,
            familyId: f.id,
            surname: f.surname,
            accessCode: f.accessCode,
            children: f.studentIds.map((id) => ({ id, teacherIds: teachersOf.get(id) ?? [] })),
            // Capacity books over the socket only; HTTP's share is the other profiles'.
            useHttp:
              o.profile !== 'capacity' &&
              o.httpShare > 0 &&
              i % Math.round(1 / Math.max(o.httpShare, 0.0001)) === 0,
            baseUrl: urls[i % urls.length]!,
            localAddress: sourceAddress(i),
            arriveAfterMs: o.profile === 'human' ? arrivalMs(i, o.parents, o.arrival) : undefined,
          },
          school.schoolCode,
          school.eventId,
          metrics,
          behaviour,
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

    log('ceilings: INSERT transactions, Redis SET NX PX…');
    const insert = await insertCeiling(pool, o.poolSize * o.instances, 3000 * o.ceilingScale);
    const redisCeiling = await redisLockCeiling(redis, prefix, 64, 2000 * o.ceilingScale);
    log(`  INSERT ${insert.perSecond}/s, SET NX ${redisCeiling.perSecond}/s`);

    // Capacity's bookings are planned before anything is measured.
    const capacityPlan =
      o.profile === 'capacity'
        ? await planBookings(
            pool,
            school.eventId,
            school.families.map((f) => ({
              id: f.id,
              students: f.studentIds.map((id) => ({ id, teacherIds: teachersOf.get(id) ?? [] })),
            })),
          )
        : null;
    // Autovacuum would otherwise analyse the seeded tables during the measured window
    // and charge its CPU to the bookings.
    await pool.query('VACUUM ANALYZE');
    // The run's own cluster counts statements (track=all: also those inside the
    // booking functions), so the report can say where PostgreSQL's time goes.
    const statements = pinned
      ? await pool
          .query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
          .then(() => true)
          .catch(() => false)
      : false;
    // The system's CPU while nobody books (sweeps, heartbeats, polling): the fixed
    // cost under every figure per booking, shown beside them.
    const idleSeconds = 3 * o.ceilingScale;
    const idleBefore = readCpu();
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idleUsed = cpuDelta(idleBefore, readCpu());
    const idleMsPerSecond = Object.fromEntries(
      Object.entries(idleUsed).map(([k, v]) => [k, round(v / idleSeconds)]),
    );

    const connectedAtRush =
      parents.filter((p) => p.socket?.connected).length + staffSockets.filter((s) => s.connected).length;
    for (const s of started) await s.resetStats();
    if (statements) await pool.query('SELECT pg_stat_statements_reset()');
    generatorDelay.enable();
    const cpuBefore = readCpu();
    metrics.phase = 'rush';
    const t0 = Date.now() + 500;
    let capacity: Awaited<ReturnType<typeof runCapacitySteps>> | null = null;
    if (o.profile === 'capacity') {
      log(`T0: open-loop steps ${o.capacity.rates.join(', ')} bookings/s, ${o.capacity.stepSeconds} s each…`);
      capacity = await runCapacitySteps({
        parents,
        work: capacityPlan!.items,
        metrics,
        rates: o.capacity.rates,
        stepSeconds: o.capacity.stepSeconds,
        allSteps: o.capacity.allSteps,
        readCpu,
        log,
      });
    } else {
      log(
        o.profile === 'human'
          ? `T0: parents arrive (a third within ${o.arrival.burstSeconds} s, the rest over ${o.arrival.spreadSeconds} s)…`
          : 'T0: the rush…',
      );
      await Promise.all(parents.map((p) => p.rush(t0)));
    }
    const rushEnd = Date.now();
    // Let the last deltas land before the phase changes.
    await new Promise((r) => setTimeout(r, 500));
    const cpuAfter = readCpu();
    // Statements by time spent in the window (wall time in PostgreSQL, not CPU),
    // per booking; nested ones (toplevel false) are inside the booking functions.
    const topStatements = statements
      ? (
          await pool.query<{ query: string; toplevel: boolean; calls: number; total: number; mean: number }>(
            `SELECT left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 160) AS query, toplevel, calls::int,
                    round(total_exec_time::numeric, 1)::float8 AS total, round(mean_exec_time::numeric, 3)::float8 AS mean
               FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              ORDER BY total_exec_time DESC LIMIT 15`,
          )
        ).rows.map((r) => ({
          ...r,
          msPerBooking: round(r.total / Math.max(1, metrics.bookingsConfirmed), 2),
          callsPerBooking: round(r.calls / Math.max(1, metrics.bookingsConfirmed), 2),
        }))
      : null;
    metrics.phase = 'done';
    generatorDelay.disable();
    const rushSeconds = capacity ? capacity.seconds : (rushEnd - t0) / 1000;
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

    // The booking SQL alone, last: its confirmations give the workers e-mail to send,
    // which must not run in the idle reading or the measured window.
    log('ceiling: the booking SQL alone…');
    const ceilingPlan = await planBookings(
      pool,
      ceilingSchool.eventId,
      ceilingSchool.families.map((f) => ({
        id: f.id,
        students: f.studentIds.map((id) => ({
          id,
          teacherIds: ceilingSchool.students.find((s) => s.id === id)?.teacherIds ?? [],
        })),
      })),
    );
    const dbOnly = await dbOnlyBookingCeiling(
      pool,
      ceilingSchool.schoolId,
      ceilingSchool.eventId,
      ceilingPlan.items,
      o.poolSize * o.instances,
      4000 * o.ceilingScale,
    );
    log(`  ${dbOnly.perSecond} bookings/s`);

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

    // CPU per booking, per server-side process, over the measured window.
    const used = cpuDelta(cpuBefore, cpuAfter);
    const booked = Math.max(1, metrics.bookingsConfirmed);
    const perBooking = (ms: number) => round(ms / booked, 2);
    const serverMs = servers.reduce((a, s) => a + (used[s.name] ?? 0), 0);
    const cpuMsPerBooking: Record<string, number> = {};
    for (const s of servers) cpuMsPerBooking[s.name] = perBooking(used[s.name] ?? 0);
    if (servers.length > 1) cpuMsPerBooking.servers = perBooking(serverMs);
    if (workers) cpuMsPerBooking.workers = perBooking(used.workers ?? 0);
    cpuMsPerBooking.postgres = perBooking(used.postgres ?? 0);
    cpuMsPerBooking.redis = perBooking(used.redis ?? 0);
    cpuMsPerBooking.total = perBooking(
      serverMs + (used.workers ?? 0) + (used.postgres ?? 0) + (used.redis ?? 0),
    );
    const sutMs = serverMs + (used.workers ?? 0) + (used.postgres ?? 0) + (used.redis ?? 0);
    const cpu = {
      windowSeconds: round(rushSeconds, 2),
      /**
       * How much of one core the system under test got in the window (1 = all of it).
       * Pinned on a machine shared with other work, the core is shared too: well
       * under 1 while answers are slow means it waited for CPU it did not get.
       */
      sutCoreShare: round(sutMs / (rushSeconds * 1000), 2),
      bookings: metrics.bookingsConfirmed,
      usedMs: used,
      cpuMsPerBooking,
      /** The generator's own CPU per booking: not part of the total. */
      generatorMsPerBooking: perBooking(used.generator ?? 0),
      /** Each process's CPU per second with nobody booking, measured just before the window. */
      idleMsPerSecond,
      /** PostgreSQL's statements by time in the window (pinned runs: the run's own cluster). */
      topStatements,
      scope: pinned
        ? 'the benchmark’s own PostgreSQL cluster and Redis, pinned with the servers and workers'
        : 'the shared PostgreSQL cluster and Redis: includes what other sessions asked of them meanwhile',
    };

    const ratios = {
      bookingsToInsertCeiling: round(bookingsPerSecond / insert.perSecond, 3),
      screenToBroadcastP99:
        screen.p99 !== null && broadcast.p99 ? round(screen.p99 / broadcast.p99, 2) : null,
      kneeToDbOnlyCeiling:
        capacity?.knee != null && dbOnly.perSecond > 0 ? round(capacity.knee / dbOnly.perSecond, 2) : null,
    };
    const maxRss = Math.max(...serverStats.map((s) => s.peakRssMb ?? 0));
    const overload =
      o.profile === 'overload'
        ? {
            knee: o.knee,
            goodputBookingsPerSecond: bookingsPerSecond,
            offeredHoldsPerSecond: round(metrics.holdAttempts / rushSeconds),
            goodputShareOfKnee: o.knee ? round(bookingsPerSecond / o.knee, 2) : null,
            busyAnswers: metrics.busyAnswers,
            busyWithoutRetryAfter: metrics.busyWithoutRetryAfter,
          }
        : null;
    const pinning = pinned
      ? {
          generator: `CPU ${generatorCpu}: this process (pid ${process.pid}, all threads, taskset -a -p) and the mail sink in it`,
          systemUnderTest: `CPU ${sutCpu}: ${servers.map((s) => `${s.name} (pid ${s.child.pid})`).join(', ')}${workers ? `, workers (pid ${workers.child.pid})` : ''}, PostgreSQL 15 started for the run (postmaster pid ${pgRoot} and its children), redis-server started for the run (pid ${redisPid}) — each under taskset -c ${sutCpu}`,
        }
      : {
          generator: 'not pinned',
          systemUnderTest: 'not pinned: shared PostgreSQL (5432) and Redis (6379), every core',
        };
    const result = {
      at: new Date().toISOString(),
      profile: o.profile,
      options: {
        profile: o.profile,
        parents: o.parents,
        teachers: o.teachers,
        instances: o.instances,
        poolSize: o.poolSize,
        httpShare: o.profile === 'capacity' ? 0 : o.httpShare,
        behaviour: o.profile === 'capacity' ? null : o.behaviour,
        arrival: o.profile === 'human' ? o.arrival : null,
        capacity: o.profile === 'capacity' ? o.capacity : null,
        env: { ...(o.profile === 'capacity' ? { ADMISSION_RATE: '0' } : {}), ...o.env },
        slots: slotCount[0]!.n,
        evening,
        students: school.students.length,
        pin: pinned,
      },
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model.trim() ?? '?',
        memoryGb: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
        postgres: pgVersion,
        redis: redisVersion,
        platform: `${os.type()} ${os.release()}`,
        loadAverage: os.loadavg().map((l) => round(l, 2)),
      },
      pinning,
      ceilings: {
        insertPerSecond: insert.perSecond,
        insert,
        redisSetNxPerSecond: redisCeiling.perSecond,
        redis: redisCeiling,
        dbOnlyBookingsPerSecond: dbOnly.perSecond,
        dbOnly,
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
        busyAnswers: metrics.busyAnswers,
        busyWithoutRetryAfter: metrics.busyWithoutRetryAfter,
        transportErrors: metrics.transportErrors,
        deltas: deltasInRush,
        emailsDelivered: mail.received(),
        deliveries: metrics.commitToScreen.count,
        deliveriesPerSecond: Math.round(metrics.commitToScreen.count / rushSeconds),
      },
      acks: { hold, confirm, losers, busy: metrics.busyAck.summary() },
      arrivalToItinerary: o.profile === 'human' ? metrics.arrivalToItinerary.summary() : null,
      commitToScreen: { ...screen, everyScreenP99, facts: metrics.lastScreen.size },
      capacity,
      overload,
      cpu,
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
      serverRssMb: maxRss,
    };
    /** The issue's targets for the profile, read from the output (never asserted by a test). */
    const targetsOf = (r: typeof result) => {
      const t = (name: string, value: number | null, limit: string, ok: boolean) => ({
        name,
        value,
        target: limit,
        ok,
      });
      const integrity = t(
        'double bookings + clashes + lost confirmations',
        r.integrity.doubleBookings + r.integrity.clashes + r.integrity.lostConfirmations,
        '= 0',
        r.integrity.doubleBookings + r.integrity.clashes + r.integrity.lostConfirmations === 0,
      );
      const cpu = r.cpu.cpuMsPerBooking.total ?? null;
      const cpuTarget = t('server-side CPU per booking (ms)', cpu, '≤ 3', cpu !== null && cpu <= 3);
      if (r.profile === 'capacity') {
        const knee = r.capacity?.knee ?? null;
        return [
          t('knee (bookings/s)', knee, '≥ 250', (knee ?? 0) >= 250),
          t(
            'knee ÷ database-only ceiling',
            r.ratios.kneeToDbOnlyCeiling,
            '≥ 0.5',
            (r.ratios.kneeToDbOnlyCeiling ?? 0) >= 0.5,
          ),
          cpuTarget,
          integrity,
        ];
      }
      if (r.profile === 'overload') {
        const share = r.overload?.goodputShareOfKnee ?? null;
        return [
          t('goodput ÷ knee', share, '≥ 0.9', (share ?? 0) >= 0.9),
          t(
            'busy answers without Retry-After',
            r.rush.busyWithoutRetryAfter,
            '= 0',
            r.rush.busyWithoutRetryAfter === 0,
          ),
          integrity,
          cpuTarget,
        ];
      }
      const big = r.options.parents > 2000;
      const ack = big ? 250 : 100;
      const screenLimit = big ? 500 : 200;
      return [
        t('hold ack p99 (ms)', r.acks.hold.p99, `≤ ${ack}`, (r.acks.hold.p99 ?? 0) <= ack),
        t('confirm ack p99 (ms)', r.acks.confirm.p99, `≤ ${ack}`, (r.acks.confirm.p99 ?? 0) <= ack),
        t(
          'commit-to-screen p99 (ms)',
          r.commitToScreen.p99,
          `≤ ${screenLimit}`,
          (r.commitToScreen.p99 ?? 0) <= screenLimit,
        ),
        ...(big ? [] : [t('server peak RSS (MB)', r.serverRssMb, '≤ 300', r.serverRssMb <= 300)]),
        t(
          'sockets connected',
          r.sockets.connectedAtRush,
          `= ${r.sockets.expected}`,
          r.sockets.connectedAtRush === r.sockets.expected,
        ),
        integrity,
        cpuTarget,
      ];
    };

    return { summary: summaryOf(result), ...result, targets: targetsOf(result) };
  } finally {
    for (const p of parents) p.close();
    for (const s of staffSockets) s.disconnect();
    await Promise.all(started.map((s) => s.stop()));
    await pool.end();
    await mail.close();
    // The benchmark's keys: sessions, locks, queues, the adapter's channels.
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    if (services.length) await Promise.all(services.map((s) => s.stop()));
    else {
      const cleanup = new pg.Client({ connectionString: pgAdminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await cleanup.end();
    }
  }
}
