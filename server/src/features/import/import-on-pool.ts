import type { CpuPool } from '../../infra/cpu-pool.ts';
import { ImportRejected } from './csv-table.ts';
import type { ImportChecker } from './import.service.ts';
import type { ImportCheck, ImportCheckInput } from './import-check.ts';

/** Checks files on the CPU pool: the event loop only hands the bytes over and takes the columns back. */
/** A file refused as a whole, as data: an exception's class does not cross the thread boundary. */
export type ImportCheckOutcome =
  | { ok: true; check: ImportCheck }
  | { ok: false; rejected: { issues: ImportRejected['issues']; notListed: number } };

/** The task this needs from the pool (wiring/cpu-tasks.ts registers it). */
type ImportTasks = { checkImport: (input: ImportCheckInput) => ImportCheckOutcome };

export function checkOnPool(pool: CpuPool<ImportTasks>, hardLimitMs: number): ImportChecker {
  return async (input) => {
    // A copy moves to the worker (milliseconds for 10 MB): the caller may need the bytes
    // again (a re-check), and a small Buffer sits in Node's shared pool, which must not move.
    const own = new Uint8Array(input.bytes);
    // A full or overrun pool is answered 503 by the edges (refusals/refusal-answer.ts).
    const outcome = await pool.run(
      'checkImport',
      { ...input, bytes: own },
      { hardLimitMs, transfer: [own.buffer as ArrayBuffer] },
    );
    if (!outcome.ok) throw new ImportRejected(outcome.rejected.issues, outcome.rejected.notListed);
    return outcome.check;
  };
}
