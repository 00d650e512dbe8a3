/**
 * `npm run bench:holds`: how late are holds released? 2,000 holds expire within the
 * same minute (uniformly spread; BENCH_WINDOW_SECONDS narrows the window for a
 * harsher burst). The workers run as their own process (`workers/index.ts`), the
 * server in this process only to carry the `released` facts to a watching socket.
 *
 * Measured per hold:
 *  - release: `bookings.ended_at - (expires_at + the confirmation grace)` (the database
 *             commit of the release; a hold is released only once the grace for a
 *             confirmation still waiting on the database has passed, confirmation-grace.ts);
 *  - seen:    when the watcher socket received the `released` fact - (expires_at + grace)
 *             (through the worker's Redis emitter and the server's adapter).
 * Everything shares this machine's cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { io as connect } from 'socket.io-client';
import { loadConfig } from '../server/src/config.ts';
import { CONFIRMATION_GRACE_MS } from '../server/src/features/booking/confirmation-grace.ts';
import { DEMO_OPTIONS, seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { createDb } from '../server/src/infra/db.ts';
import { ensureDatabase, migrate } from '../server/src/infra/migrate.ts';
import { createRedis } from '../server/src/infra/redis.ts';
import { createApp } from '../server/src/wiring/app.ts';
import { createHoldExpiryQueue, holdExpiryScheduler } from '../server/src/wiring/queues.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOLDS = Number(process.env.BENCH_HOLDS ?? 2000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_SECONDS ?? 60);
const LEAD_S = 15; // time to schedule every job before the first expiry
const PG_ADMIN = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: Math.round(pct(s, 50)),
    p90: Math.round(pct(s, 90)),
    p99: Math.round(pct(s, 99)),
    max: Math.round(s[s.length - 1] ?? Number.NaN),
  };
}

const dbName = `confer_bench_holds_${randomBytes(4).toString('hex')}`;
const dbUrl = new URL(PG_ADMIN);
dbUrl.pathname = `/${dbName}`;
const prefix = `bench:${randomBytes(4).toString('hex')}:`;
let worker: ChildProcess | null = null;

async function main() {
  await ensureDatabase(dbUrl.toString());
  await migrate(dbUrl.toString());
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'silent',
  });
  const db = createDb(config.DATABASE_URL, 10);
  const teachers = Math.ceil(HOLDS / 36) + 2;
  console.log(`seeding ${teachers} teachers × 36 slots, ${teachers} families …`);
  const school = await seedSchool(db, {
    ...DEMO_OPTIONS,
    code: 'BENCH',
    teachers,
    families: teachers,
    siblingShare: 0,
    teachersPerStudent: 1,
    maxPerStudent: 100,
    password: 'bench-password-1',
  });

  // The server, for the watching socket only.
  const redis = createRedis(REDIS_URL);
  const holdQueue = createHoldExpiryQueue(redis, prefix);
  const app = createApp({
    config,
    db,
    redis,
    logger: pino({ level: 'silent' }),
    holdExpiry: holdExpiryScheduler(holdQueue, CONFIRMATION_GRACE_MS),
    clientDir: null,
  });
  await new Promise<void>((r) => app.http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  // An admin's socket: the admin room carries every slot's facts (families and
  // teachers only get the teachers they follow).
  const login = await fetch(`${url}/api/v1/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: school.admin.email, password: 'bench-password-1' }),
  });
  const { token } = (await login.json()) as { token: string };
  const socket = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false });
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r());
    socket.once('connect_error', j);
  });
  const seen = new Map<string, number>();
  socket.on('slot:facts', (facts: { kind: string; slot: { id: string } }[]) => {
    for (const f of facts) if (f.kind === 'released' && !seen.has(f.slot.id)) seen.set(f.slot.id, Date.now());
  });
  await new Promise<void>((r) => socket.emit('event:join', { eventId: school.eventId }, () => r()));

  // The workers, as their own process.
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers/index.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: config.DATABASE_URL,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });

  // 2,000 holds, each family at most once per time and once per teacher.
  const { rows: slots } = await db.query<{ id: string; staff_id: string; starts_at: Date }>(
    'SELECT id, staff_id, starts_at FROM slots WHERE event_id = $1 ORDER BY staff_id, starts_at',
    [school.eventId],
  );
  const teacherIndex = new Map(school.teachers.map((t, i) => [t.id, i]));
  const times = [...new Set(slots.map((s) => s.starts_at.getTime()))].sort((a, b) => a - b);
  const t0 = Date.now() + LEAD_S * 1000;
  const chosen = slots.slice(0, HOLDS).map((s) => {
    const k = teacherIndex.get(s.staff_id)!;
    const t = times.indexOf(s.starts_at.getTime());
    const f = school.families[(k + t) % school.families.length]!;
    return {
      slotId: s.id,
      familyId: f.id,
      studentId: f.studentIds[0]!,
      expiresAt: new Date(t0 + Math.random() * WINDOW_S * 1000),
    };
  });
  const { rows: inserted } = await db.query<{ id: string; slot_id: string; expires_at: Date }>(
    `INSERT INTO bookings (slot_id, family_id, student_id, status, expires_at, created_by)
     SELECT s, f, st, 'held', e, 'family' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) AS t(s, f, st, e)
     RETURNING id, slot_id, expires_at`,
    [
      chosen.map((c) => c.slotId),
      chosen.map((c) => c.familyId),
      chosen.map((c) => c.studentId),
      chosen.map((c) => c.expiresAt),
    ],
  );
  const scheduler = holdExpiryScheduler(holdQueue, CONFIRMATION_GRACE_MS);
  for (let i = 0; i < inserted.length; i += 200) {
    await Promise.all(
      inserted
        .slice(i, i + 200)
        .map((b) =>
          scheduler.schedule({ bookingId: b.id, eventId: school.eventId, expiresAt: b.expires_at }),
        ),
    );
  }
  const lead = (t0 - Date.now()) / 1000;
  console.log(`${inserted.length} holds expiring over ${WINDOW_S} s, first in ${lead.toFixed(1)} s …`);
  if (lead < 0) console.warn('warning: scheduling took longer than the lead time');

  const deadline = t0 + (WINDOW_S + 60) * 1000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings WHERE event_id = $1 AND status = 'held'`,
      [school.eventId],
    );
    if (rows[0]!.n === 0 && seen.size >= inserted.length) break;
    if (Date.now() > deadline) {
      console.warn(`gave up waiting: ${rows[0]!.n} still held, ${seen.size} seen`);
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  const { rows: ended } = await db.query<{ slot_id: string; late_ms: number; expires_at: Date }>(
    `SELECT slot_id, expires_at, extract(epoch FROM (ended_at - expires_at)) * 1000 - $2 AS late_ms
       FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'expired'`,
    [inserted.map((b) => b.id), CONFIRMATION_GRACE_MS],
  );
  const release = summary(ended.map((r) => Number(r.late_ms)));
  const seenLate = summary(
    inserted
      .filter((b) => seen.has(b.slot_id))
      .map((b) => seen.get(b.slot_id)! - b.expires_at.getTime() - CONFIRMATION_GRACE_MS),
  );
  const result = {
    holds: inserted.length,
    windowSeconds: WINDOW_S,
    concurrency: config.HOLD_EXPIRY_CONCURRENCY,
    releaseMs: release,
    seenBySocketMs: seenLate,
    within1s: ended.filter((r) => Number(r.late_ms) <= 1000).length,
    at: new Date().toISOString(),
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    path.join(ROOT, `bench/results/hold-expiry-${WINDOW_S}s.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );

  socket.disconnect();
  worker.kill('SIGTERM');
  await new Promise((r) => worker!.once('exit', r));
  app.http.closeAllConnections?.();
  await app.close();
  await new Promise((r) => app.http.close(r));
  await holdQueue.obliterate({ force: true }).catch(() => {});
  await holdQueue.close();
  await db.end();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

async function dropDatabase() {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).finally(() => c.end());
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await dropDatabase().catch(() => {});
  });
