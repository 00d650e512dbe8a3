import { CpuPoolFull, CpuTaskOverran } from '../infra/cpu-pool.ts';
import { DomainError } from './domain-error.ts';

/**
 * A CPU pool that cannot take or finish a task is busy, not broken: the client gets
 * 503 unavailable with Retry-After. Any other error passes through unchanged.
 */
export function cpuRefusal(err: unknown): unknown {
  if (err instanceof CpuPoolFull || err instanceof CpuTaskOverran)
    return new DomainError('unavailable', undefined, { retryAfter: err.retryAfterSeconds });
  return err;
}
