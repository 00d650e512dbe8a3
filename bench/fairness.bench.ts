/**
 * Cost of the fairness algorithms at the size the issue names: 2,000 families ×
 * 60 teachers (one evening, 16:00–19:00 in 5-minute slots: 36 slots a teacher,
 * 2,160 slots). Pure computation, the same functions the server runs.
 *   npx tsx bench/fairness.bench.ts
 */
import { performance } from 'node:perf_hooks';
import {
  type AllocationInput,
  allocate,
  type FreeSlot,
} from '../server/src/features/fair-start/round-robin.ts';
import { seededRandom } from '../server/src/features/fair-start/seeded-random.ts';
import { type Candidate, planItinerary } from '../server/src/features/itinerary/itinerary-planner.ts';

const MIN = 60_000;
const FAMILIES = 2000;
const TEACHERS = 60;
const SLOTS = 36;
const rnd = seededRandom('fairness-bench');
const uuid = (k: string, i: number) => `00000000-0000-4000-8000-${k}${String(i).padStart(11, '0')}`;

const slots: FreeSlot[] = [];
for (let t = 0; t < TEACHERS; t++)
  for (let s = 0; s < SLOTS; s++)
    slots.push({
      id: uuid(`${t % 10}`, t * 100 + s),
      teacherId: uuid('9', t),
      startMs: s * 5 * MIN,
      endMs: (s + 1) * 5 * MIN,
    });

// Each child sees 6 teachers; 40% of families have two children; a few popular teachers.
const families = Array.from({ length: FAMILIES }, (_, f) => {
  const children = rnd() < 0.4 ? 2 : 1;
  const choices: { studentId: string; teacherId: string }[] = [];
  for (let c = 0; c < children; c++) {
    const seen = new Set<number>();
    while (seen.size < 6) seen.add(rnd() < 0.3 ? Math.floor(rnd() * 6) : Math.floor(rnd() * TEACHERS));
    for (const t of seen) choices.push({ studentId: uuid(`5${c}`, f), teacherId: uuid('9', t) });
  }
  return { familyId: uuid('1', f), choices, arriveMs: null, leaveMs: null };
});
const input: AllocationInput = { seed: 'bench', families, slots, existing: [], gapMs: 0, maxPerStudent: 6 };

const requests = families.reduce((n, f) => n + f.choices.length, 0);
const runs: number[] = [];
let granted = 0;
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const out = allocate({ ...input, seed: `bench-${i}` });
  runs.push(performance.now() - t0);
  granted = out.steps.filter((s) => s.slotId).length;
}
runs.sort((a, b) => a - b);
console.log(
  `lottery: ${FAMILIES} families, ${TEACHERS} teachers, ${slots.length} slots, ${requests} requests → ${granted} granted; ` +
    `median ${runs[2]!.toFixed(0)} ms, worst ${runs[4]!.toFixed(0)} ms (5 runs)`,
);

// Itinerary: families asking for 4, 6 and 8 meetings against an evening already
// half booked (each teacher's slots free with probability 0.5).
for (const k of [4, 6, 8]) {
  const times: number[] = [];
  let nodes = 0;
  for (let f = 0; f < 200; f++) {
    const meetings = Array.from({ length: k }, (_, m) => {
      const candidates: Candidate[] = [];
      for (let s = 0; s < SLOTS; s++)
        if (rnd() < 0.5)
          candidates.push({ slotId: `${m}-${s}`, startMs: s * 5 * MIN, endMs: (s + 1) * 5 * MIN });
      return { studentId: `s${m % 2}`, teacherId: `t${m}`, candidates };
    });
    const t0 = performance.now();
    const plan = planItinerary({
      meetings,
      fixed: [],
      childBusy: new Map(),
      gapMs: rnd() < 0.5 ? 0 : 5 * MIN,
    });
    times.push(performance.now() - t0);
    nodes += plan.nodes;
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
  console.log(
    `itinerary: ${k} meetings, 200 families: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms; mean ${(nodes / 200).toFixed(0)} search nodes`,
  );
}
