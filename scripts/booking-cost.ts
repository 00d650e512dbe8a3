import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { HttpClient } from '../bench/http-client.ts';
import { startMailSink } from '../bench/mail-sink.ts';
import { freePort } from '../bench/processes.ts';
import type { BookingView, LoginResponse } from '../protocol/index.ts';
import { seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { createDb } from '../server/src/infra/db.ts';
import { migrate } from '../server/src/infra/migrate.ts';
import { startPrivateRedis } from '../test/support/private-redis.ts';

// `npx tsx scripts/booking-cost.ts [--bookings 600] [--concurrency 8] [--dist]`: what one
// booking (a hold, then its confirmation, over the public HTTP API) costs the system
// under test, per process. A fresh database on the shared PostgreSQL, a private Redis
// and an SMTP sink; the server and the workers started from their entry points with a
// statement counter preloaded (scripts/pg-statement-counter.mjs). Three phases — every
// hold, every confirmation, then the workers' drain until every mail is sent — each
// reports CPU ms per booking from /proc (server, workers, this database's PostgreSQL
// backends, Redis), statements per booking per process, Redis commands and
// transactions. CPU, not latency: the machine is shared, and CPU time is what a
// change saves. `--dist` runs the compiled JavaScript (npm run build:server) instead.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    bookings: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '8' },
    dist: { type: 'boolean', default: false },
    sockets: { type: 'string', default: '0' },
    // An experiment: SQL run on the fresh database after migrating (a function's other body).
    'try-sql': { type: 'string' },
  },
});
const bookings = Number(values.bookings);
const lanes = Number(values.concurrency);
const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `confer_cost_${randomBytes(4).toString('hex')}`;
const databaseUrl = admin.replace(/\/postgres$/, `/${dbName}`);
const HZ = 100;

const cpuTicks = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
};
/** utime+stime of a process and all its threads' finished children is not needed: node and redis are single processes. */
const descendants = (pid: number): number[] => {
  const out: number[] = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) out.push(...descendants(Number(k)));
  } catch {}
  return out;
};

interface Proc {
  name: string;
  child: ChildProcess;
  ask<T>(type: string, answer: string): Promise<T | null>;
}

function startProcess(name: string, entry: string, env: Record<string, string>): Proc {
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_PROFILE_DIR, name)}`]
    : [];
  const loader = values.dist ? [] : ['--import', 'tsx'];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      '--expose-gc',
      ...loader,
      '--import',
      path.join(ROOT, 'scripts/pg-statement-counter.mjs'),
      entry,
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', (code) => {
    if (code) console.error(`${name} exited ${code}:\n${log}`);
  });
  return {
    name,
    child,
    ask: <T>(type: string, answer: string) =>
      new Promise<T | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 5000);
        const on = (msg: { type?: string }) => {
          if (msg?.type !== answer) return;
          clearTimeout(timer);
          child.off('message', on);
          resolve(msg as T);
        };
        child.on('message', on);
        child.send({ type });
      }),
  };
}

const adminClient = new pg.Client({ connectionString: admin });
await adminClient.connect();
await adminClient.query(`CREATE DATABASE ${dbName}`);
// Time spent in each SQL function and trigger (pg_stat_user_functions), to say where
// PostgreSQL's share of a booking goes.
await adminClient.query(`ALTER DATABASE ${dbName} SET track_functions = 'all'`);
const redis = await startPrivateRedis();
const mail = await startMailSink();
const procs: Proc[] = [];
const pool = createDb(databaseUrl, 2);
try {
  await migrate(databaseUrl);
  if (values['try-sql']) await pool.query(readFileSync(values['try-sql'], 'utf8'));
  const password = 'booking-cost-password';
  const school = await seedSchool(pool, {
    code: 'COST',
    name: 'Booking Cost School',
    timeZone: 'Europe/London',
    teachers: Math.max(20, Math.ceil(bookings / 40)),
    // A sign-in may hold a few screens at once: enough families for the sockets asked for.
    families: Math.max(bookings + 50, Math.ceil(Number(values.sockets) / 4)),
    teachersPerStudent: 6,
    siblingShare: 0,
    slotMinutes: 5,
    gapMinutes: 0,
    maxPerStudent: 6,
    holdSeconds: 600,
    from: '16:00',
    to: '20:00',
    opensInMinutes: -1,
    password,
  });
  const { rows: slots } = await pool.query<{ id: string; staff_id: string }>(
    'SELECT id, staff_id FROM slots WHERE event_id = $1 ORDER BY starts_at, id',
    [school.eventId],
  );
  const free = new Map<string, string[]>();
  for (const s of slots) {
    const list = free.get(s.staff_id) ?? [];
    if (list.length === 0) free.set(s.staff_id, list);
    list.push(s.id);
  }
  const studentTeachers = new Map(school.students.map((s) => [s.id, s.teacherIds]));
  const work: {
    surname: string;
    accessCode: string;
    studentId: string;
    slotId: string;
    mailed: boolean;
    token?: string;
  }[] = [];
  for (const f of school.families) {
    const sid = f.studentIds[0]!;
    const t = studentTeachers.get(sid)!.find((t) => (free.get(t)?.length ?? 0) > 0);
    if (!t) continue;
    work.push({
      surname: f.surname,
      accessCode: f.accessCode,
      studentId: sid,
      slotId: free.get(t)!.shift()!,
      mailed: f.email !== null,
    });
  }
  if (work.length < bookings + 20) throw new Error(`only ${work.length} distinct slots for families`);

  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
    LOGIN_ATTEMPTS_PER_ACCOUNT: '1000',
    SESSION_IDLE_MINUTES: '600',
    SMTP_URL: mail.url,
    HOST: '127.0.0.1',
    PORT: String(port),
  };
  const entry = (ts: string) =>
    values.dist ? path.join(ROOT, 'dist', ts.replace(/\.ts$/, '.js')) : path.join(ROOT, ts);
  const server = startProcess('server', entry('server/src/index.ts'), env);
  procs.push(server);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not become healthy');
    await new Promise((r) => setTimeout(r, 200));
  }
  const workers = startProcess('workers', entry('workers/index.ts'), env);
  procs.push(workers);

  const clients = Array.from({ length: lanes }, () => new HttpClient(base, '127.0.0.1'));
  const inLanes = async <T>(items: T[], fn: (item: T, c: HttpClient) => Promise<void>) => {
    let next = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (next < items.length) await fn(items[next++]!, c);
      }),
    );
  };
  await inLanes(work, async (w, c) => {
    const res = await c.request('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: w.surname, accessCode: w.accessCode },
    });
    if (res.status !== 200) throw new Error(`login ${res.status} ${JSON.stringify(res.body)}`);
    w.token = (res.body as LoginResponse).token;
  });
  // --sockets N: N screens connected and joined to the event (families' tokens, round
  // robin) for the whole run, so the server's RSS is read as on opening night.
  const sockets: Socket[] = [];
  const socketCount = Number(values.sockets);
  const rssBefore = (await server.ask<{ rssBytes: number }>('count:stats', 'count:stats'))?.rssBytes ?? 0;
  for (let i = 0; i < socketCount; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, socketCount - i) }, async (_, j) => {
        const s = connectSocket(base, {
          auth: { token: work[(i + j) % work.length]!.token },
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        });
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
        });
        await new Promise<void>((resolve) =>
          s.emit('event:join', { eventId: school.eventId }, () => resolve()),
        );
      }),
    );
  }
  await server.ask('count:gc', 'count:gc:done');
  const withSockets = await server.ask<{ rssBytes: number; memory: NodeJS.MemoryUsage }>(
    'count:stats',
    'count:stats',
  );
  const rssWithSockets = withSockets?.rssBytes ?? 0;
  const mb = (m: NodeJS.MemoryUsage | undefined) =>
    m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1e6)] as const));
  const holdIds = new Map<string, string>();
  const refused: Record<string, number> = {};
  const hold = async (w: (typeof work)[number], c: HttpClient) => {
    const res = await c.request('POST', '/api/v1/holds', {
      token: w.token,
      idempotencyKey: randomUUID(),
      body: { slotId: w.slotId, studentId: w.studentId },
    });
    if (res.status === 200) holdIds.set(w.token!, (res.body as BookingView).id);
    else refused[`hold ${res.status}`] = (refused[`hold ${res.status}`] ?? 0) + 1;
  };
  const confirm = async (w: (typeof work)[number], c: HttpClient) => {
    const res = await c.request('POST', '/api/v1/holds/confirm', {
      token: w.token,
      idempotencyKey: randomUUID(),
      body: { eventId: school.eventId, holdIds: [holdIds.get(w.token!)] },
    });
    if (res.status !== 200) refused[`confirm ${res.status}`] = (refused[`confirm ${res.status}`] ?? 0) + 1;
  };
  // Warm-up: connections, prepared statements, JIT.
  const warm = work.slice(0, 20);
  await inLanes(warm, hold);
  await inLanes(warm, confirm);
  const measured = work.slice(20, 20 + bookings);
  await new Promise((r) => setTimeout(r, 3000));

  const redisClient = new Redis(redis.url);
  const backends = async () =>
    (
      await adminClient.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
        dbName,
      ])
    ).rows.map((r) => r.pid);
  const xacts = async () =>
    Number(
      (
        await adminClient.query<{ x: string }>(
          'SELECT xact_commit + xact_rollback AS x FROM pg_stat_database WHERE datname = $1',
          [dbName],
        )
      ).rows[0]!.x,
    );
  const redisCommands = async () => {
    const byCommand: Record<string, number> = {};
    for (const m of (await redisClient.info('commandstats')).matchAll(/cmdstat_([^:]+):calls=(\d+)/g))
      byCommand[m[1]!] = Number(m[2]);
    return byCommand;
  };
  // Backends come and go (the pool closes idle ones): sampled often, the last reading kept.
  const pgSeen = new Map<number, number>();
  const samplePg = async () => {
    for (const pid of await backends()) {
      const t = cpuTicks(pid);
      if (t > 0) pgSeen.set(pid, t);
    }
  };
  const sampler = setInterval(() => void samplePg().catch(() => {}), 250);
  const pidOf = (p: Proc) => descendants(p.child.pid!);

  interface Snap {
    ticks: Record<string, number>;
    pgPids: Map<number, number>;
    xacts: number;
    redis: Record<string, number>;
    counts: Record<string, Record<string, number>>;
  }
  const snap = async (): Promise<Snap> => {
    await samplePg();
    const pgPids = new Map(pgSeen);
    const ticks: Record<string, number> = {};
    for (const p of procs) ticks[p.name] = pidOf(p).reduce((s, pid) => s + cpuTicks(pid), 0);
    ticks.redis = cpuTicks(redisPid);
    const counts: Record<string, Record<string, number>> = {};
    for (const p of procs) {
      const r = await p.ask<{ counts: Record<string, number> }>('count:stats', 'count:stats');
      counts[p.name] = r?.counts ?? {};
    }
    return { ticks, pgPids, xacts: await xacts(), redis: await redisCommands(), counts };
  };
  const redisPid = Number(/process_id:(\d+)/.exec(await redisClient.info('server'))![1]);
  const diff = (a: Snap, b: Snap, n: number) => {
    const ms = (t: number) => Math.round(((t * 1000) / HZ / n) * 100) / 100;
    let pgTicks = 0;
    for (const [pid, t] of b.pgPids) pgTicks += t - (a.pgPids.get(pid) ?? 0);
    const cpu: Record<string, number> = {};
    for (const k of Object.keys(b.ticks)) cpu[k] = ms(b.ticks[k]! - a.ticks[k]!);
    cpu.postgres = ms(pgTicks);
    cpu.total = Math.round(Object.values(cpu).reduce((s, v) => s + v, 0) * 100) / 100;
    const statements: Record<string, unknown> = {};
    for (const p of procs) {
      const before = a.counts[p.name] ?? {};
      const after = b.counts[p.name] ?? {};
      const per: Record<string, number> = {};
      let total = 0;
      for (const [k, v] of Object.entries(after)) {
        const d = v - (before[k] ?? 0);
        if (d > 0) {
          per[k] = Math.round((d / n) * 100) / 100;
          total += d;
        }
      }
      statements[p.name] = { perBooking: Math.round((total / n) * 100) / 100, by: per };
    }
    return {
      cpuMsPerBooking: cpu,
      statementsPerBooking: statements,
      pgTransactionsPerBooking: Math.round(((b.xacts - a.xacts) / n) * 100) / 100,
      redisCommandsPerBooking: (() => {
        const by: Record<string, number> = {};
        let total = 0;
        for (const [k, v] of Object.entries(b.redis)) {
          const d = v - (a.redis[k] ?? 0);
          if (d > 0) {
            by[k] = Math.round((d / n) * 100) / 100;
            total += d;
          }
        }
        return { total: Math.round((total / n) * 100) / 100, by };
      })(),
    };
  };

  const s0 = await snap();
  const t0 = performance.now();
  await inLanes(measured, hold);
  const holdSeconds = (performance.now() - t0) / 1000;
  const s1 = await snap();
  const t1 = performance.now();
  await inLanes(measured, confirm);
  const confirmSeconds = (performance.now() - t1) / 1000;
  const s2 = await snap();
  // Drain: every confirmation's mail sent (or 30 s without progress).
  const expected = [...warm, ...measured].filter((w) => w.mailed).length;
  let last = -1;
  let still = 0;
  while (mail.received() < expected && still < 30) {
    await new Promise((r) => setTimeout(r, 1000));
    if (mail.received() === last) still++;
    else still = 0;
    last = mail.received();
  }
  await new Promise((r) => setTimeout(r, 2000));
  const s3 = await snap();
  const n = measured.length;
  // Self time per SQL function over the whole run (warm-up included), per booking.
  await new Promise((r) => setTimeout(r, 1500));
  const { rows: fns } = await pool.query<{ funcname: string; calls: string; self_time: number }>(
    `SELECT funcname, calls, self_time FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 15`,
  );
  const perBooking = warm.length + n;
  const pgFunctions = Object.fromEntries(
    fns.map((f) => [
      f.funcname,
      {
        calls: Math.round((Number(f.calls) / perBooking) * 100) / 100,
        selfMs: Math.round((f.self_time / perBooking) * 100) / 100,
      },
    ]),
  );
  const rss: Record<string, number> = {};
  for (const p of procs) {
    const r = await p.ask<{ rssBytes: number }>('count:stats', 'count:stats');
    rss[p.name] = Math.round((r?.rssBytes ?? 0) / 1e6);
  }
  const report = {
    bookings: n,
    concurrency: lanes,
    runtime: values.dist ? 'dist (compiled JavaScript)' : 'tsx',
    refused,
    mailsReceived: mail.received(),
    mailsExpected: expected,
    holdsPerSecond: Math.round(n / holdSeconds),
    confirmsPerSecond: Math.round(n / confirmSeconds),
    hold: diff(s0, s1, n),
    confirm: diff(s1, s2, n),
    drain: diff(s2, s3, n),
    total: diff(s0, s3, n),
    pgFunctionsPerBooking: pgFunctions,
    rssMb: rss,
    serverRssMbBeforeSockets: Math.round(rssBefore / 1e6),
    serverRssMbWithSockets: Math.round(rssWithSockets / 1e6),
    serverMemoryMbWithSockets: mb(withSockets?.memory),
    serverMemoryMbAfterRun: mb(
      (await server.ask<{ memory: NodeJS.MemoryUsage }>('count:stats', 'count:stats'))?.memory,
    ),
    sockets: sockets.filter((s) => s.connected).length,
  };
  for (const s of sockets) s.close();
  console.log(JSON.stringify(report, null, 2));
  clearInterval(sampler);
  redisClient.disconnect();
  for (const c of clients) c.close();
} finally {
  for (const p of procs) p.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await pool.end();
  await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await adminClient.end();
  redis.destroy();
  await mail.close();
}
