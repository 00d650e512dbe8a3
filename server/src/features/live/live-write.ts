import type { Db, DbClient } from '../../infra/db.ts';
import type { Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { principalKey } from '../auth/principal.ts';
import type { Fact } from '../booking/event-changes.ts';
import { runIdempotent } from '../booking/idempotency.ts';
import type { Publisher } from './publisher.ts';

export interface LiveWriteDeps {
  db: Db;
  publisher: Publisher;
  logError?: (err: unknown, context: string) => void;
}

/**
 * What a write produced for screens, published once the transaction has committed.
 * Mail about changed appointments needs no sending from here: the booking log's
 * trigger wrote it to the outbox table in the write's own transaction (migration
 * 012), and the workers' relay sends it.
 */
export interface Outbox {
  facts: Fact[];
}

/**
 * Runs an admin write in one transaction, at most once per idempotency key, then
 * publishes its facts. Nothing is sent before commit: a screen must never
 * show a change that was rolled back. The outbox is fresh on every attempt, since a
 * serialization failure reruns the whole write.
 */
export async function liveWrite<T>(
  deps: LiveWriteDeps,
  p: Principal,
  idem: { key: string | null },
  operation: string,
  input: unknown,
  write: (client: DbClient, out: Outbox) => Promise<T>,
): Promise<Result<T>> {
  let out: Outbox = { facts: [] };
  const scope = idem.key ? { principal: principalKey(p), key: idem.key, operation, input } : null;
  const result = await runIdempotent(deps.db, scope, (client) => {
    out = { facts: [] };
    return write(client, out);
  });
  if (result.ok && out.facts.length > 0) deps.publisher.publish(out.facts);
  return result;
}
