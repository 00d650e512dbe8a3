import { availableParallelism } from 'node:os';
import type { Config } from '../config.ts';
import { CpuPool } from '../infra/cpu-pool.ts';
import type { CpuTasks } from './cpu-tasks.ts';

export type CpuWork = CpuPool<CpuTasks>;

/** The server's CPU pool, running the tasks of cpu-tasks.ts (planning, CSV checks). */
export function createCpuWork(config: Config): CpuWork {
  const pool = new CpuPool<CpuTasks>({
    // The compiled server (dist/) has cpu-tasks.js beside this file.
    tasksUrl: new URL(import.meta.url.endsWith('.js') ? './cpu-tasks.js' : './cpu-tasks.ts', import.meta.url),
    // At least two, so a plan does not wait behind a ten-second import.
    size: config.CPU_WORKERS || Math.max(2, availableParallelism() - 1),
    maxQueued: config.CPU_QUEUE_LIMIT,
    maxHeapMb: config.CPU_WORKER_HEAP_MB,
  });
  // A production server pays the workers' start (about a second of CPU each) before
  // the first parent asks; a test server that never plans does not pay it at all.
  if (config.NODE_ENV === 'production') pool.warm();
  return pool;
}
