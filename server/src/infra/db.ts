import pg from 'pg';
import { type Config, DEPENDENCY_DEFAULTS } from '../config.ts';
import { Circuit, isUnavailable } from './circuit.ts';

// timestamptz comes back as Date by default; bigint (event versions) fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

/** The time-outs of every call to PostgreSQL (server/src/config.ts names and explains them). */
export interface DbSettings {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  queryTimeoutMs: number;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  circuitOpenMs: number;
}

type DependencySettings = Pick<
  Config,
  | 'DATABASE_CONNECT_TIMEOUT_MS'
  | 'DATABASE_STATEMENT_TIMEOUT_MS'
  | 'DATABASE_LOCK_TIMEOUT_MS'
  | 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'
  | 'DATABASE_QUERY_TIMEOUT_MS'
  | 'DATABASE_PROBE_INTERVAL_MS'
  | 'DATABASE_PROBE_TIMEOUT_MS'
  | 'CIRCUIT_OPEN_MS'
>;

export function dbSettings(c: DependencySettings = DEPENDENCY_DEFAULTS): DbSettings {
  return {
    connectTimeoutMs: c.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: c.DATABASE_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: c.DATABASE_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: c.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    queryTimeoutMs: c.DATABASE_QUERY_TIMEOUT_MS,
    probeIntervalMs: c.DATABASE_PROBE_INTERVAL_MS,
    probeTimeoutMs: c.DATABASE_PROBE_TIMEOUT_MS,
    circuitOpenMs: c.CIRCUIT_OPEN_MS,
  };
}

const circuits = new WeakMap<Db, Circuit>();

/** The circuit in front of a pool made by createDb (healthz and tests read its state). */
export function circuitOf(db: Db): Circuit | undefined {
  return circuits.get(db);
}

const ignore = () => {};

/**
 * A pool whose every call has a time-out and passes through a circuit breaker:
 * while PostgreSQL is down or frozen, calls are refused at once (UnavailableError,
 * answered 503) instead of each waiting out its own time-out; a heartbeat on a
 * connection of its own notices a frozen server within about a second and closes
 * the circuit again when it answers.
 */
export function createDb(databaseUrl: string, max: number, settings: DbSettings = dbSettings()): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    lock_timeout: settings.lockTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', ignore);
  // Nor may a checked-out one: pg emits 'error' on the client itself when its
  // connection dies (pg_terminate_backend, a restart) while it is out of the pool,
  // and an EventEmitter 'error' with no listener kills the process. The query in
  // flight rejects anyway; the pool drops the client when it comes back
  // (pg-pool discards a client that is no longer queryable).
  pool.on('connect', (client) => client.on('error', ignore));
  const circuit = new Circuit('postgres', { failureThreshold: 2, openMs: settings.circuitOpenMs });
  circuits.set(pool, circuit);
  guardPool(pool, circuit);
  const heartbeat = startHeartbeat(databaseUrl, circuit, settings);
  const end = pool.end.bind(pool);
  pool.end = ((cb?: () => void) => {
    heartbeat.stop();
    return end(cb as never);
  }) as typeof pool.end;
  return pool;
}

/**
 * Puts `pool.query` and `pool.connect` behind the circuit. Callback-style calls
 * (pg-pool's own query calls this.connect(cb)) pass straight through: the
 * promise-style call around them is already guarded.
 */
function guardPool(pool: pg.Pool, circuit: Circuit): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => Promise<pg.PoolClient> | undefined;
  pool.query = ((...args: unknown[]) => {
    if (typeof args[args.length - 1] === 'function') return query(...args);
    return circuit.run(() => query(...args));
  }) as typeof pool.query;
  pool.connect = ((...args: unknown[]) => {
    if (typeof args[0] === 'function') return connect(...args);
    return circuit.run(
      () => connect() as Promise<pg.PoolClient>,
      // Answered unavailable while it waited; the connection it got goes back.
      (client) => client.release(),
    );
  }) as typeof pool.connect;
}

function startHeartbeat(url: string, circuit: Circuit, settings: DbSettings): { stop(): void } {
  let client: pg.Client | null = null;
  let stopped = false;
  let misses = 0;
  let timer: NodeJS.Timeout | undefined;
  const discard = () => {
    const c = client;
    client = null;
    // A frozen server never acknowledges the goodbye: destroy the socket instead.
    (c as unknown as { connection?: { stream?: { destroy(): void } } } | null)?.connection?.stream?.destroy();
    c?.end().catch(ignore);
  };
  const beat = async () => {
    try {
      if (!client) {
        const c = new pg.Client({
          connectionString: url,
          connectionTimeoutMillis: settings.probeTimeoutMs,
          query_timeout: settings.probeTimeoutMs,
          application_name: 'confer-heartbeat',
        });
        c.on('error', ignore);
        client = c;
        await c.connect();
      }
      await client.query('SELECT 1');
      misses = 0;
      if (circuit.state !== 'closed') circuit.success();
    } catch {
      discard();
      // One miss may be a connection an administrator just terminated; two in a
      // row is a server that does not answer.
      if (++misses >= 2) circuit.trip();
    }
    if (!stopped) {
      timer = setTimeout(() => void beat(), settings.probeIntervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void beat(), settings.probeIntervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      discard();
    },
  };
}

/**
 * A statement of the booking path that PostgreSQL parses and plans once per pooled
 * connection instead of on every call: `npm run bench:hold-path` measured 3.5 ms of
 * PostgreSQL CPU per hold at 20 lanes with every statement planned afresh, 2.1 ms
 * with these (when a hold was still eight statements). Only for fixed texts: a
 * name stays prepared on every connection for as long as the connection lives.
 */
export function prepared(name: string, text: string): (values: unknown[]) => pg.QueryConfig {
  return (values) => ({ name, text, values });
}

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `attempt` (a whole transaction, or one autocommitted statement) again, a few
 * times with jitter, when it fails with a serialization failure or a deadlock: they
 * say "try again", not "you are wrong", and the failed attempt changed nothing.
 */
export async function retryingConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= 5 || !RETRYABLE.has(pgCode(err) ?? '')) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * n));
    }
  }
}

/**
 * Runs `fn` in a transaction, retried on serialization failures and deadlocks.
 * The client is discarded, not pooled again, when its connection failed. If the
 * database stops answering while the transaction runs, the caller is answered
 * unavailable as soon as the circuit opens; the transaction is then never
 * committed (the COMMIT below checks), so the 503 does not hide a write.
 */
export function inTransaction<T>(
  db: Db,
  fn: (client: DbClient) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
): Promise<T> {
  return retryingConflicts(() => {
    let abandoned = false;
    const attempt = async () => {
      const client = await db.connect();
      let failure: Error | undefined;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const result = await fn(client);
        if (abandoned) throw new Error('transaction abandoned: the caller was answered unavailable');
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (isUnavailable(err)) failure = err as Error;
        else await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release(failure);
      }
    };
    const circuit = circuitOf(db);
    if (!circuit) return attempt();
    return circuit.untilTripped(attempt()).catch((err) => {
      abandoned = true;
      throw err;
    });
  });
}

export function pgCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

export function pgConstraint(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'constraint' in err
    ? String((err as { constraint: unknown }).constraint)
    : undefined;
}
