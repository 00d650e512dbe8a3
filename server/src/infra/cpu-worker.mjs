// Entry of a CPU pool worker thread (see cpu-pool.ts). Plain JavaScript on purpose:
// a worker thread starts without the TypeScript loader of its parent (tsx for the
// server, Vite's transform under Vitest), so it registers tsx itself before it
// imports the task table when that is TypeScript.
import { parentPort, workerData } from 'node:worker_threads';

// The compiled server (npm run build:server) hands over a .js task table: no loader.
if (String(workerData.tasksUrl).endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { tasks } = await import(workerData.tasksUrl);

parentPort.on('message', async ({ id, task, input }) => {
  try {
    const fn = tasks[task];
    if (typeof fn !== 'function') throw new Error(`No CPU task named ${task}`);
    const value = await fn(input);
    parentPort.postMessage({ id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, message: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });
