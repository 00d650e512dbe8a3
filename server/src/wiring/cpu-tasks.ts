import { ImportRejected } from '../features/import/csv-table.ts';
import { checkImport, type ImportCheckInput } from '../features/import/import-check.ts';
import type { ImportCheckOutcome } from '../features/import/import-on-pool.ts';
import { type Plan, type PlanInput, planItinerary } from '../features/itinerary/itinerary-planner.ts';

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
