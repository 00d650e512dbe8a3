import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, type Started, startServer, startWorkers } from '../bench/processes.ts';
import { QUEUES } from '../protocol/jobs.ts';
import { seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { migrate } from '../server/src/infra/migrate.ts';
import { bullPrefix } from '../server/src/wiring/queues.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../test/support/private-postgres.ts';
import { type PrivateRedis, startPrivateRedis } from '../test/support/private-redis.ts';
import { checkScenario, type ScreenMismatch, type Verdict } from './checks.ts';
import type { HistoryEntry } from './history.ts';
import { startChaosMailSink } from './mail-sink.ts';
import { mismatchReport } from './mismatch-report.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import { openScreen, type Screen } from './screens.ts';
import { runStorm, type StormFamily } from './storm.ts';

export interface ChaosOptions {
  scenarios: string[];
  families: number;
  /** How long the storm runs; the fault starts `faultAtSeconds` into it. */
  stormSeconds: number;
  faultAtSeconds: number;
  maxWritesPerFamily: number;
  log(line: string): void;
}

/** The short run (`--short`, and the test suite's): small enough for ~1 min a scenario on a loaded machine. */
export const SHORT_RUN = {
  families: 16,
  stormSeconds: 10,
  // Late enough that holds left to lapse exist when Redis loses their expiry jobs.
  faultAtSeconds: 5,
  maxWritesPerFamily: 20,
} as const;

/** However long the fault took, the storm goes on this long after it, with this many writes a family. */
const AFTER_FAULT_MS = 3000;
const WRITES_AFTER_FAULT = 4;

/** The full run's storm. */
export const FULL_RUN = {
  families: 40,
  stormSeconds: 20,
  faultAtSeconds: 5,
  maxWritesPerFamily: 80,
} as const;

export interface ScenarioRow extends Verdict {
  scenario: string;
  /** First acknowledged write after the fault ended, in ms after; null: none. */
  recoverMs: number | null;
  error: string | null;
}

const HOLD_SECONDS = 10;
const SWEEP_SECONDS = 1;
/**
 * Nothing ends a lapsed hold until this long after `expires_at`: a confirmation that
 * arrived in time may still be waiting (server/src/features/booking/confirmation-grace.ts,
 * 5 s). Settling and the lapsed-hold check allow for it.
 */
const LAPSE_GRACE_SECONDS = 5;
const PASSWORD = 'chaos-password-not-secret';

/** Runs each named scenario on fresh processes and a fresh database; one row each. */
export async function runChaos(o: ChaosOptions): Promise<ScenarioRow[]> {
  const unknown = o.scenarios.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  o.log('starting private PostgreSQL and Redis…');
  const pgc = await startPrivatePostgres(await freePort());
  // Append-only: `redis-kill-restart` restarts it with what it had acknowledged.
  const redis = await startPrivateRedis({ port: await freePort(), appendOnly: true });
  const rows: ScenarioRow[] = [];
  try {
    for (const name of o.scenarios) {
      const scenario = SCENARIOS.find((s) => s.name === name)!;
      o.log(`scenario ${name}…`);
      rows.push(await runScenario(o, scenario, pgc, redis));
    }
  } finally {
    redis.destroy();
    await pgc.destroy();
  }
  return rows;
}

async function runScenario(
  o: ChaosOptions,
  scenario: Scenario,
  pgc: PrivatePostgres,
  redis: PrivateRedis,
): Promise<ScenarioRow> {
  const dbName = `chaos_${scenario.name.replace(/-/g, '_')}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: pgc.urlOf('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const databaseUrl = pgc.urlOf(dbName);
  await migrate(databaseUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  db.on('error', () => {});
  const school = await seedSchool(db, {
    code: `C${Date.now().toString(36).slice(-6).toUpperCase()}`,
    name: 'Chaos School',
    timeZone: 'Europe/London',
    teachers: 4,
    families: o.families,
    teachersPerStudent: 2,
    siblingShare: 0.3,
    slotMinutes: 5,
    gapMinutes: 0,
    maxPerStudent: 2,
    holdSeconds: HOLD_SECONDS,
    from: '16:00',
    to: '17:00',
    opensInMinutes: -1,
    password: PASSWORD,
  });
  const mail = await startChaosMailSink();
  const env = {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '8',
    REDIS_URL: redis.url,
    REDIS_PREFIX: `chaos:${scenario.name}:`,
    // CHAOS_LOG_LEVEL=warn shows the relay's failed rounds and reconnections in a mismatch report.
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'error',
    MIGRATE_ON_START: 'false',
    LOGIN_ATTEMPTS_PER_ADDRESS: '1000000',
    LOGIN_ATTEMPTS_PER_ACCOUNT: '1000',
    SESSION_IDLE_MINUTES: '600',
    SMTP_URL: mail.url,
    EMAIL_BACKOFF_MS: '500',
    WORKER_LOCK_MS: '5000',
    HOLD_SWEEP_SECONDS: String(SWEEP_SECONDS),
    // Two cores shared with the storm: a loaded machine is not the fault under test.
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  };
  const servers: Started[] = [await startServer('server-1', env), await startServer('server-2', env)];
  let workers = startWorkers(env);
  /** Processes the scenario killed on purpose: not counted as dead. */
  const killed = new Set<Started>();
  const urls = () => servers.filter((s) => !killed.has(s)).map((s) => s.url!);
  const replacing: Promise<void>[] = [];
  const screens: Screen[] = [];
  const history: HistoryEntry[] = [];
  let row: ScenarioRow;
  try {
    const families = await signIn(servers[0]!.url!, school, db);
    const adminToken = await staffToken(servers[0]!.url!, school.admin.email);
    for (let i = 0; i < servers.length; i++)
      screens.push(openScreen({ url: () => servers[i]!.url!, token: adminToken, eventId: school.eventId }));

    const stormStart = Date.now();
    let faultEndedAt = 0;
    const fault = (async () => {
      await new Promise((r) => setTimeout(r, o.faultAtSeconds * 1000));
      // Ended also when the injection throws: the storm waits for the end (until()).
      try {
        await scenario.inject({
          pg: pgc,
          redis,
          dbName,
          async killAndReplaceServer(i) {
            const victim = servers[i]!;
            killed.add(victim);
            await victim.stop('SIGKILL');
            // As a load balancer would: the dead instance leaves the rotation at once and
            // the fault is over; its replacement joins when it is healthy.
            replacing.push(
              startServer(`server-${i + 1}b`, env).then((s) => {
                servers[i] = s;
              }),
            );
          },
          async killAndReplaceWorkers() {
            killed.add(workers);
            await workers.stop('SIGKILL');
            workers = startWorkers(env);
          },
        });
      } finally {
        faultEndedAt = Date.now();
      }
    })();
    await Promise.all([
      runStorm({
        eventId: school.eventId,
        families,
        urls,
        // The storm lasts its seconds, and at least AFTER_FAULT_MS past the fault's end
        // however long the fault took (a restart under load can outlast the storm).
        until: () =>
          faultEndedAt
            ? Math.max(stormStart + o.stormSeconds * 1000, faultEndedAt + AFTER_FAULT_MS)
            : Number.POSITIVE_INFINITY,
        maxWritesPerFamily: o.maxWritesPerFamily,
        faultOver: () => faultEndedAt > 0,
        writesAfterFault: WRITES_AFTER_FAULT,
        history,
      }),
      fault,
    ]);
    await Promise.all(replacing);
    o.log(`  storm over: ${history.length} writes; settling…`);
    const mailQueue = mailQueueWatch(redis.url, env.REDIS_PREFIX);
    try {
      await settle(db, school.eventId, mail.lastAt, mailQueue.pending);
      const failed = await mailQueue.failed();
      if (failed > 0) o.log(`  ${failed} mail job(s) failed for good (attempts used up)`);
    } finally {
      await mailQueue.close();
    }

    let deadServers = 0;
    for (const s of [...servers, workers]) {
      if (killed.has(s)) continue;
      const exited = s.child.exitCode !== null || s.child.signalCode !== null;
      const healthy = s.url
        ? await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
            (r) => r.ok,
            () => false,
          )
        : true;
      if (exited || !healthy) {
        deadServers++;
        o.log(
          `  ${s.name} is dead (exit ${s.child.exitCode ?? s.child.signalCode}):\n${s.output().slice(-2000)}`,
        );
      }
    }
    let mismatches: ScreenMismatch[] = [];
    const verdict = await checkScenario({
      db,
      eventId: school.eventId,
      history,
      screens,
      mails: mail.byMessageId,
      shownBookings: mail.shownBookings,
      familiesWithEmail: new Set(school.families.filter((f) => f.email).map((f) => f.id)),
      deadServers,
      sweepGraceSeconds: LAPSE_GRACE_SECONDS + SWEEP_SECONDS * 3,
      onScreenMismatches: (m) => {
        mismatches = m;
      },
    });
    if (mismatches.length) {
      o.log(await mismatchReport(db, mismatches, screens, faultEndedAt));
      for (const s of [...servers, workers]) o.log(`  --- ${s.name} output:\n${s.output().slice(-3000)}`);
    }
    const after = history.filter((h) => h.outcome === 'ok' && faultEndedAt && h.endedAt >= faultEndedAt);
    const firstOk = after.length ? Math.min(...after.map((h) => h.endedAt)) : null;
    row = {
      scenario: scenario.name,
      ...verdict,
      recoverMs: firstOk === null ? null : firstOk - faultEndedAt,
      error: null,
    };
  } catch (err) {
    row = {
      scenario: scenario.name,
      ...emptyVerdict(),
      recoverMs: null,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    for (const s of screens) s.close();
    await Promise.all([...servers, workers].map((s) => s.stop('SIGTERM')));
    await mail.close();
    await db.end().catch(() => {});
  }
  return row;
}

function emptyVerdict(): Verdict {
  return {
    doubleBookings: 0,
    familyOverlaps: 0,
    ackLost: 0,
    toldFailedHappened: 0,
    screenMismatches: 0,
    mailsOver2: 0,
    mailsMissing: 0,
    lapsedHeld: 0,
    deadServers: 0,
    mailsTwice: 0,
    writes: 0,
    ok: 0,
    ambiguous: 0,
  };
}

/**
 * Waits until every hold of the storm has lapsed and had time to be swept, the outbox
 * is empty, the e-mail queue has nothing left to run and the mail has gone quiet
 * (bounded: a run that never settles is checked as it is).
 */
/**
 * The e-mail queue as the settle step sees it: jobs still to run (waiting, active,
 * delayed by a retry's back-off, or stalled with a dead worker's lock until the
 * stalled check hands them on) are mail on its way, not mail lost.
 */
function mailQueueWatch(redisUrl: string, redisPrefix: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {});
  const queue = new Queue(QUEUES.email, { connection, prefix: bullPrefix(redisPrefix) });
  queue.on('error', () => {});
  return {
    async pending(): Promise<number> {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async failed(): Promise<number> {
      return (await queue.getJobCounts('failed')).failed ?? 0;
    },
    async close() {
      await queue.close().catch(() => {});
      connection.disconnect();
    },
  };
}

async function settle(
  db: pg.Pool,
  eventId: string,
  lastMailAt: () => number,
  mailPending: () => Promise<number>,
): Promise<void> {
  const deadline = Date.now() + (HOLD_SECONDS + LAPSE_GRACE_SECONDS + 20) * 1000;
  for (;;) {
    const { rows } = await db
      .query<{ until: Date | null }>(
        `SELECT max(expires_at) AS until FROM bookings WHERE event_id = $1 AND status = 'held'`,
        [eventId],
      )
      .catch(() => ({ rows: [{ until: null }] }));
    const holdsDone =
      !rows[0]!.until ||
      rows[0]!.until.getTime() + (LAPSE_GRACE_SECONDS + SWEEP_SECONDS * 4) * 1000 < Date.now();
    const mailQuiet = Date.now() - lastMailAt() > 3000;
    // What the commits promised is relayed: on a loaded machine the relay can trail the
    // storm by seconds (its rounds fail while a circuit is open), which is slowness,
    // not loss. Bounded by the deadline, so a relay that never drains still fails the check.
    const { rows: left } = await db
      .query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')
      .catch(() => ({ rows: [{ n: 1 }] }));
    const relayed = left[0]!.n === 0;
    const mailSent = (await mailPending().catch(() => 1)) === 0;
    if ((holdsDone && mailQuiet && relayed && mailSent) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // The screens' last facts are in flight at most a coalescing window or two.
  await new Promise((r) => setTimeout(r, 1000));
}

async function staffToken(url: string, email: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`staff login ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

async function signIn(
  url: string,
  school: Awaited<ReturnType<typeof seedSchool>>,
  db: pg.Pool,
): Promise<StormFamily[]> {
  const { rows } = await db.query<{ id: string; staff_id: string }>(
    'SELECT id, staff_id FROM slots WHERE event_id = $1',
    [school.eventId],
  );
  const slotsOf = (teacherId: string) => rows.filter((r) => r.staff_id === teacherId).map((r) => r.id);
  const teachersOf = new Map(school.students.map((s) => [s.id, s.teacherIds]));
  const families: StormFamily[] = [];
  for (const f of school.families) {
    const res = await fetch(`${url}/api/v1/auth/family/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schoolCode: school.schoolCode, surname: f.surname, accessCode: f.accessCode }),
    });
    if (!res.ok) throw new Error(`family login ${res.status}`);
    const { token } = (await res.json()) as { token: string };
    families.push({
      familyId: f.id,
      token,
      students: f.studentIds.map((studentId) => ({
        studentId,
        slotIds: (teachersOf.get(studentId) ?? []).flatMap(slotsOf),
      })),
    });
  }
  return families;
}
