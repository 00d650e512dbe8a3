import pg from 'pg';

// timestamptz comes back as Date by default; bigint (event versions) fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;
export type Queryable = pg.Pool | pg.PoolClient;

export function createDb(databaseUrl: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  return pool;
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

/** Runs `fn` in a transaction, retried on serialization failures and deadlocks. */
export function inTransaction<T>(
  db: Db,
  fn: (client: DbClient) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
): Promise<T> {
  return retryingConflicts(async () => {
    const client = await db.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
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
