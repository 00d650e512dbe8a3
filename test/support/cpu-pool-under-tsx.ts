// Run by test/unit/cpu-pool.test.ts with `tsx`, the way the server runs: the pool's
// workers must load the TypeScript task table there too, not only under Vitest.

import { CpuPool } from '../../server/src/infra/cpu-pool.ts';
import type { CpuTasks } from '../../server/src/wiring/cpu-tasks.ts';

const pool = new CpuPool<CpuTasks>({
  tasksUrl: new URL('../../server/src/wiring/cpu-tasks.ts', import.meta.url),
  size: 1,
  maxQueued: 1,
});
const slot = (s: number) => ({ slotId: `x${s}`, startMs: s * 300_000, endMs: (s + 1) * 300_000 });
const plan = await pool.run(
  'planItinerary',
  {
    plan: {
      gapMs: 0,
      fixed: [],
      childBusy: new Map(),
      meetings: [
        { studentId: 'a', teacherId: 'x', candidates: [slot(0), slot(9)] },
        { studentId: 'b', teacherId: 'y', candidates: [slot(4), slot(10)] },
      ],
    },
    until: Date.now() + 1000,
  },
  { hardLimitMs: 10_000 },
);
await pool.close();
console.log(JSON.stringify({ chosen: plan.chosen.map((c) => c?.slotId), provenBest: plan.provenBest }));
