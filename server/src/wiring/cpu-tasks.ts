import { ImportRejected } from '../features/import/csv-table.ts';
import { checkImport, type ImportCheck, type ImportCheckInput } from '../features/import/import-check.ts';
import { type Plan, type PlanInput, planItinerary } from '../features/itinerary/itinerary-planner.ts';

/** A file refused as a whole, as data: an exception's class does not cross the thread boundary. */
export type ImportCheckOutcome =
  | { ok: true; check: ImportCheck }
  | { ok: false; rejected: { issues: ImportRejected['issues']; notListed: number } };

/**
 * The work the CPU pool's threads do (server/src/infra/cpu-pool.ts), by name. Each
 * task is pure: its input and answer cross the thread boundary by structured clone.
 */
export const tasks = {
  /** The family's best itinerary found before `until` (epoch ms; the clocks of all threads agree). */
  planItinerary: (input: { plan: PlanInput; until: number }): Plan =>
    planItinerary(input.plan, { until: input.until, now: Date.now }),
  checkImport: (input: ImportCheckInput): ImportCheckOutcome => {
    try {
      return { ok: true, check: checkImport(input) };
    } catch (err) {
      if (err instanceof ImportRejected)
        return { ok: false, rejected: { issues: err.issues, notListed: err.notListed } };
      throw err;
    }
  },
};

export type CpuTasks = typeof tasks;
