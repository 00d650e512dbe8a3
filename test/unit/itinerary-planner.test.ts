import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../server/src/features/fair-start/seeded-random.ts';
import {
  type Candidate,
  type Interval,
  keepsGap,
  type PlanInput,
  planItinerary,
  waitingOf,
} from '../../server/src/features/itinerary/itinerary-planner.ts';

const MIN = 60_000;

function randomCase(seed: string): PlanInput {
  const rnd = seededRandom(seed);
  const meetings = 1 + Math.floor(rnd() * 4);
  const gapMs = [0, 5, 10][Math.floor(rnd() * 3)]! * MIN;
  const fixed: Interval[] = rnd() < 0.4 ? [{ startMs: 30 * MIN, endMs: 35 * MIN }] : [];
  return {
    gapMs,
    fixed,
    childBusy: new Map(rnd() < 0.3 ? [['s0', [{ startMs: 0, endMs: 10 * MIN }]]] : []),
    meetings: Array.from({ length: meetings }, (_, m) => {
      const candidates: Candidate[] = [];
      for (let s = 0; s < 14; s++)
        if (rnd() < 0.45)
          candidates.push({ slotId: `t${m}-${s}`, startMs: s * 5 * MIN, endMs: (s + 1) * 5 * MIN });
      return { studentId: `s${m % 2}`, teacherId: `t${m}`, candidates };
    }),
  };
}

/** Every assignment (including leaving meetings out): the best count, then the least waiting. */
function bruteForce(input: PlanInput): { placed: number; waitingMs: number } {
  let best = { placed: -1, waitingMs: Number.POSITIVE_INFINITY };
  const chosen: (Candidate | null)[] = [];
  const go = (k: number) => {
    if (k === input.meetings.length) {
      const picked = chosen.filter((c): c is Candidate => c !== null);
      const all = [...input.fixed, ...picked];
      for (let i = 0; i < all.length; i++)
        for (let j = i + 1; j < all.length; j++) if (!keepsGap(all[i]!, all[j]!, input.gapMs)) return;
      for (let i = 0; i < chosen.length; i++) {
        const c = chosen[i];
        const busy = input.childBusy.get(input.meetings[i]!.studentId) ?? [];
        if (c && busy.some((b) => c.startMs < b.endMs && b.startMs < c.endMs)) return;
      }
      const w = waitingOf(all);
      if (picked.length > best.placed || (picked.length === best.placed && w < best.waitingMs))
        best = { placed: picked.length, waitingMs: w };
      return;
    }
    for (const c of [...input.meetings[k]!.candidates, null]) {
      chosen[k] = c;
      go(k + 1);
    }
  };
  go(0);
  return best;
}

describe('itinerary planner', () => {
  it('finds the optimum (most meetings, least waiting) on 300 small random cases, checked by brute force', () => {
    let nonTrivial = 0;
    for (let i = 0; i < 300; i++) {
      const input = randomCase(`case-${i}`);
      const plan = planItinerary(input);
      const expected = bruteForce(input);
      expect({ placed: plan.placed, waitingMs: plan.waitingMs }, `case-${i}`).toEqual(expected);
      if (expected.placed > 1) nonTrivial++;
    }
    expect(nonTrivial).toBeGreaterThan(50);
  });

  it('never proposes a clash or a gap violation, against existing appointments too', () => {
    for (let i = 0; i < 200; i++) {
      const input = randomCase(`gap-${i}`);
      const plan = planItinerary(input);
      const all = [...input.fixed, ...plan.chosen.filter((c): c is Candidate => c !== null)];
      for (let a = 0; a < all.length; a++)
        for (let b = a + 1; b < all.length; b++) expect(keepsGap(all[a]!, all[b]!, input.gapMs)).toBe(true);
      plan.chosen.forEach((c, m) => {
        if (c) expect(input.meetings[m]!.candidates).toContain(c);
      });
    }
  });

  it('keeps siblings together: two children, two teachers, picks back-to-back slots over spread ones', () => {
    const slot = (t: string, s: number): Candidate => ({
      slotId: `${t}${s}`,
      startMs: s * 5 * MIN,
      endMs: (s + 1) * 5 * MIN,
    });
    const plan = planItinerary({
      gapMs: 0,
      fixed: [],
      childBusy: new Map(),
      meetings: [
        { studentId: 'a', teacherId: 'x', candidates: [slot('x', 0), slot('x', 9)] },
        { studentId: 'b', teacherId: 'y', candidates: [slot('y', 4), slot('y', 10)] },
      ],
    });
    expect(plan.chosen.map((c) => c?.slotId)).toEqual(['x9', 'y10']);
    expect(plan.waitingMs).toBe(0);
  });

  it('solves 8 meetings over a full evening exactly', () => {
    const meetings = Array.from({ length: 8 }, (_, m) => ({
      studentId: `s${m % 3}`,
      teacherId: `t${m}`,
      candidates: Array.from({ length: 36 }, (_, s) => ({
        slotId: `t${m}-${s}`,
        startMs: s * 5 * MIN,
        endMs: (s + 1) * 5 * MIN,
      })).filter((_, s) => (s + m) % 3 !== 0),
    }));
    const plan = planItinerary({ gapMs: 0, fixed: [], childBusy: new Map(), meetings });
    expect(plan.placed).toBe(8);
    expect(plan.waitingMs).toBe(0);
  });

  it('marks a finished search as proven best', () => {
    for (let i = 0; i < 50; i++) expect(planItinerary(randomCase(`proof-${i}`)).provenBest).toBe(true);
  });
});

/** A family's whole evening: `count` meetings, every teacher free in about two slots of three. */
function eveningOf(count: number, slots = 36): PlanInput {
  return {
    gapMs: 0,
    fixed: [],
    childBusy: new Map(),
    meetings: Array.from({ length: count }, (_, m) => ({
      studentId: `s${m % 2}`,
      teacherId: `t${m}`,
      candidates: Array.from({ length: slots }, (_, s) => ({
        slotId: `t${m}-${s}`,
        startMs: s * 5 * MIN,
        endMs: (s + 1) * 5 * MIN,
      })).filter((_, s) => (s * 7 + m * 3) % 5 < 3),
    })),
  };
}

function assertValid(input: PlanInput, chosen: (Candidate | null)[]): void {
  const all = [...input.fixed, ...chosen.filter((c): c is Candidate => c !== null)];
  for (let a = 0; a < all.length; a++)
    for (let b = a + 1; b < all.length; b++) expect(keepsGap(all[a]!, all[b]!, input.gapMs)).toBe(true);
  chosen.forEach((c, m) => {
    if (c) expect(input.meetings[m]!.candidates).toContain(c);
  });
}

describe('itinerary planner under a budget (anytime)', () => {
  it('with no search at all still answers a full, valid plan from the greedy pass, not proven best', () => {
    const input = eveningOf(20);
    const plan = planItinerary(input, { maxNodes: 1 });
    expect(plan.provenBest).toBe(false);
    expect(plan.placed).toBe(20);
    assertValid(input, plan.chosen);
  });

  it('only improves as the budget grows, and reaches the exact optimum when the search may finish', () => {
    for (let i = 0; i < 40; i++) {
      const input = randomCase(`budget-${i}`);
      const exact = bruteForce(input);
      let previous = { placed: -1, waitingMs: Number.POSITIVE_INFINITY };
      for (const maxNodes of [1, 4, 16, 64, 256, 1_000_000]) {
        const plan = planItinerary(input, { maxNodes });
        assertValid(input, plan.chosen);
        const better =
          plan.placed > previous.placed ||
          (plan.placed === previous.placed && plan.waitingMs <= previous.waitingMs);
        expect(better, `budget-${i} at ${maxNodes} nodes`).toBe(true);
        previous = { placed: plan.placed, waitingMs: plan.waitingMs };
        if (plan.provenBest) expect({ placed: plan.placed, waitingMs: plan.waitingMs }).toEqual(exact);
      }
      expect(planItinerary(input, { maxNodes: 1_000_000 }).provenBest).toBe(true);
    }
  });

  it('stops at the deadline of an injected clock and returns the best plan found so far', () => {
    const input = eveningOf(20);
    let ticks = 0;
    // Each reading of the clock moves it on by one: the deadline falls on the fourth reading.
    const plan = planItinerary(input, { until: 4, now: () => ++ticks });
    expect(plan.provenBest).toBe(false);
    expect(ticks).toBe(4);
    expect(plan.placed).toBe(20);
    assertValid(input, plan.chosen);
  });

  it('keeps siblings together under the tightest budget too', () => {
    const slot = (t: string, s: number): Candidate => ({
      slotId: `${t}${s}`,
      startMs: s * 5 * MIN,
      endMs: (s + 1) * 5 * MIN,
    });
    const plan = planItinerary(
      {
        gapMs: 0,
        fixed: [],
        childBusy: new Map(),
        meetings: [
          { studentId: 'a', teacherId: 'x', candidates: [slot('x', 0), slot('x', 9)] },
          { studentId: 'b', teacherId: 'y', candidates: [slot('y', 4), slot('y', 10)] },
        ],
      },
      { maxNodes: 1 },
    );
    expect(plan.waitingMs).toBe(0);
  });
});
