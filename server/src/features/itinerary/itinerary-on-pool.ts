import type { CpuPool } from '../../infra/cpu-pool.ts';
import type { PlanRunner } from './itinerary.service.ts';
import type { Plan, PlanInput } from './itinerary-planner.ts';

// The planner stops itself at its deadline; the hard limit only catches a worker that
// cannot (a bug, a pathological input), with room for the hand-over both ways.
const HARD_LIMIT_SLACK_MS = 2000;

/**
 * Plans on the CPU pool. The deadline counts from the request reaching the pool, so
 * time spent queued behind other tasks is taken from the search, not added to the answer.
 */
/** The task this needs from the pool (wiring/cpu-tasks.ts registers it). */
type PlannerTasks = { planItinerary: (input: { plan: PlanInput; until: number }) => Plan };

export function planOnPool(pool: CpuPool<PlannerTasks>, deadlineMs: number): PlanRunner {
  return async (plan) => {
    // A full or overrun pool is answered 503 by the edges (refusals/refusal-answer.ts).
    return await pool.run(
      'planItinerary',
      { plan, until: Date.now() + deadlineMs },
      { hardLimitMs: deadlineMs + HARD_LIMIT_SLACK_MS },
    );
  };
}
