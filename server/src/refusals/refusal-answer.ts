import { type ErrorBody, errorBody } from '../../../protocol/errors.ts';
import { isUnavailable, retryAfterOf } from '../infra/circuit.ts';
import { CpuPoolFull, CpuTaskOverran } from '../infra/cpu-pool.ts';
import { DomainError } from './domain-error.ts';

/**
 * The one place an error becomes what the caller is told. The HTTP edge, the socket
 * edge and Express's last error handler all ask here, so a 503 has one source:
 * - a DomainError is an expected refusal and says its own code (a paused event's
 *   `unavailable` is one, with the school's message);
 * - PostgreSQL or Redis down, frozen or too slow (infra/circuit.ts decides what counts)
 *   is `unavailable` with Retry-After: "come back shortly", never a 500;
 * - a CPU pool that cannot take or finish a task (planning, CSV checks) is busy, not
 *   broken: `unavailable` with the pool's Retry-After.
 * Anything else is null: a defect, which the edge logs and answers `internal`.
 */
export function refusalOf(err: unknown): ErrorBody | null {
  if (err instanceof DomainError) return err.body;
  if (isUnavailable(err)) return errorBody('unavailable', { retryAfter: retryAfterOf(err) });
  if (err instanceof CpuPoolFull || err instanceof CpuTaskOverran)
    return errorBody('unavailable', { retryAfter: err.retryAfterSeconds });
  return null;
}
