// Itinerary planner off the event loop: the answer time of "plan my evening"
// at 8, 11 and 20 meetings, and how long a /healthz-style request on the same process
// waits meanwhile. Runs the server's CPU pool and planner task; no database needed.
//   npm run bench:planner
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../server/src/config.ts';
import { planOnPool } from '../server/src/features/itinerary/itinerary-on-pool.ts';
import type { PlanInput } from '../server/src/features/itinerary/itinerary-planner.ts';
import { createCpuWork } from '../server/src/wiring/cpu-work.ts';

const MIN = 60_000;
const ROUNDS = 5;

/** A family's evening: `count` meetings over 16:00–19:00 in 5-minute slots, each teacher free in about 3 of 5. */
function evening(count: number): PlanInput {
  return {
    gapMs: 0,
    fixed: [],
    childBusy: new Map(),
    meetings: Array.from({ length: count }, (_, m) => ({
      studentId: `s${m % 2}`,
      teacherId: `t${m}`,
      candidates: Array.from({ length: 36 }, (_, s) => ({
        slotId: `t${m}-${s}`,
        startMs: s * 5 * MIN,
        endMs: (s + 1) * 5 * MIN,
      })).filter((_, s) => (s * 7 + m * 3) % 5 < 3),
    })),
  };
}

const config = loadConfig();
const pool = createCpuWork(config);
pool.warm();
const plan = planOnPool(pool, config.PLANNER_DEADLINE_MS);
const health = createServer((_req, res) => res.end('ok'));
await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
const { port } = health.address() as AddressInfo;

async function probe(): Promise<number> {
  const t0 = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/healthz`)).text();
  return performance.now() - t0;
}

// Warm the workers (loading TypeScript takes about a second each) and the probe.
await plan(evening(2));
await probe();

console.log(`planner deadline ${config.PLANNER_DEADLINE_MS} ms, ${ROUNDS} rounds each`);
for (const count of [8, 11, 20]) {
  const answers: number[] = [];
  const probes: number[] = [];
  let proven = 0;
  let placed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let done = false;
    const t0 = performance.now();
    const running = plan(evening(count)).finally(() => {
      done = true;
    });
    while (!done) {
      probes.push(await probe());
      await new Promise((res) => setTimeout(res, 5));
    }
    const result = await running;
    answers.push(performance.now() - t0);
    if (result.provenBest) proven++;
    placed += result.placed;
  }
  answers.sort((a, b) => a - b);
  probes.sort((a, b) => a - b);
  const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(1);
  console.log(
    `${count} meetings: answer median ${p(answers, 0.5)} ms, max ${p(answers, 1)} ms; proven best ${proven}/${ROUNDS}; ` +
      `placed ${placed / ROUNDS}/${count}; /healthz during it: median ${p(probes, 0.5)} ms, max ${p(probes, 1)} ms (${probes.length} probes)`,
  );
}
await pool.close();
health.close();
