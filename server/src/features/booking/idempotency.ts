import { createHash } from 'node:crypto';
import { ERROR_STATUS, errorBody } from '../../../../protocol/errors.ts';
import { type Db, type DbClient, inTransaction, prepared } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';

export interface IdempotencyScope {
  principal: string;
  key: string;
  /** What was asked: the operation and its parsed input. */
  operation: string;
  input: unknown;
}

export interface Stored {
  request_hash: string;
  response: Result<unknown>;
}

class AlreadyAnswered extends Error {}

export function requestHash(scope: IdempotencyScope): string {
  return createHash('sha256')
    .update(JSON.stringify([scope.operation, scope.input]))
    .digest('hex');
}

/**
 * Runs a write at most once per idempotency key. The answer to a successful write
 * is stored in the write's own transaction, so it exists exactly when the write does;
 * a refusal's answer is stored after the rollback. A concurrent duplicate blocks on
 * the key's row, then finds the first answer and returns it.
 *
 * The key is not looked up before the write: nearly every request is new, and the
 * lookup was one more round trip on the busiest path. A repeat runs the write again
 * inside its transaction; if that succeeds, storing the answer conflicts with the
 * first one and the transaction rolls back; if it fails, the key is looked up then.
 * Either way the first answer is returned and nothing changes twice.
 */
export async function runIdempotent<T>(
  db: Db,
  scope: IdempotencyScope | null,
  write: (client: DbClient) => Promise<T>,
): Promise<Result<T>> {
  const hash = scope ? requestHash(scope) : '';
  try {
    const data = await inTransaction(db, async (client) => {
      const data = await write(client);
      if (scope && !(await save(client, scope, hash, { ok: true, data }))) throw new AlreadyAnswered();
      return data;
    });
    return { ok: true, data };
  } catch (err) {
    // Whatever a repeat ran into (its own earlier booking, a constraint, a missing
    // row), a request already answered gets that answer again.
    if (scope) {
      const previous = await lookup(db, scope);
      if (previous) return replay<T>(previous, hash);
    }
    if (!(err instanceof DomainError)) throw err;
    return answerRefusal<T>(db, scope, hash, err);
  }
}

/**
 * Answers a refused write (after its rollback) and stores the refusal under the key,
 * unless a twin stored its answer first: then that answer is the one.
 */
export async function answerRefusal<T>(
  db: Db,
  scope: IdempotencyScope | null,
  hash: string,
  refusal: DomainError,
): Promise<Result<T>> {
  const answer: Result<T> = { ok: false, error: refusal.body };
  if (scope && !(await save(db, scope, hash, answer))) {
    const previous = await lookup(db, scope);
    if (previous) return replay<T>(previous, hash);
  }
  return answer;
}

const LOOKUP = prepared(
  'idempotency.lookup',
  'SELECT request_hash, response FROM idempotency_keys WHERE principal = $1 AND key = $2',
);
const SAVE = prepared(
  'idempotency.save',
  `INSERT INTO idempotency_keys (principal, key, request_hash, status_code, response)
   VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
);

export async function lookup(db: Db, scope: IdempotencyScope): Promise<Stored | undefined> {
  const { rows } = await db.query<Stored>(LOOKUP([scope.principal, scope.key]));
  return rows[0];
}

export function replay<T>(previous: Stored, hash: string): Result<T> {
  if (previous.request_hash !== hash) return { ok: false, error: errorBody('idempotency_mismatch') };
  return previous.response as Result<T>;
}

async function save(
  q: Db | DbClient,
  scope: IdempotencyScope,
  hash: string,
  answer: Result<unknown>,
): Promise<boolean> {
  const status = answer.ok ? 200 : ERROR_STATUS[answer.error.code];
  const { rowCount } = await q.query(
    SAVE([scope.principal, scope.key, hash, status, JSON.stringify(answer)]),
  );
  return rowCount === 1;
}
