import { type Plan, type PlanInput, planItinerary } from './itinerary/itinerary-planner.ts';

/**
 * The work the CPU pool's threads do (server/src/infra/cpu-pool.ts), by name. Each
 * task is pure: its input and answer cross the thread boundary by structured clone.
 */
export const tasks = {
  /** The family's best itinerary found before `until` (epoch ms; the clocks of all threads agree). */
  planItinerary: (input: { plan: PlanInput; until: number }): Plan =>
    planItinerary(input.plan, { until: input.until, now: Date.now }),
};

export type CpuTasks = typeof tasks;
