import { describe, expect, it } from 'vitest';
import {
  type AllocationInput,
  allocate,
  Commitments,
  type FreeSlot,
} from '../../server/src/features/fair-start/round-robin.ts';
import { drawOrder, seededRandom } from '../../server/src/features/fair-start/seeded-random.ts';

const MIN = 60_000;
const id = (p: string, i: number) => `00000000-0000-4000-8000-${p}${String(i).padStart(11, '0')}`;

/** A random evening: teachers with 5-minute slots, families with one or two children and ranked choices. */
function evening(seed: string, families = 30, teachers = 6, slotsPerTeacher = 8): AllocationInput {
  const rnd = seededRandom(`fixture-${seed}`);
  const slots: FreeSlot[] = [];
  for (let t = 0; t < teachers; t++)
    for (let s = 0; s < slotsPerTeacher; s++)
      slots.push({
        id: id(`${t}`, s),
        teacherId: id('9', t),
        startMs: s * 5 * MIN,
        endMs: (s + 1) * 5 * MIN,
      });
  return {
    seed,
    gapMs: rnd() < 0.5 ? 0 : 5 * MIN,
    maxPerStudent: 3,
    slots,
    existing: [],
    families: Array.from({ length: families }, (_, f) => {
      const children = rnd() < 0.3 ? 2 : 1;
      const choices: { studentId: string; teacherId: string }[] = [];
      for (let c = 0; c < children; c++)
        for (let t = 0; t < teachers; t++)
          if (rnd() < 0.5) choices.push({ studentId: id(`5${c}`, f), teacherId: id('9', t) });
      choices.sort(() => (rnd() < 0.5 ? -1 : 1));
      return { familyId: id('1', f), choices, arriveMs: null, leaveMs: null };
    }),
  };
}

describe('fair-start lottery', () => {
  it('gives the same order and the same allocation for the same seed, and a different order for another', () => {
    const input = evening('seed-a');
    const a = allocate(input);
    const b = allocate({ ...input, families: [...input.families].reverse() });
    expect(b).toEqual(a);
    expect(a.steps.some((s) => s.slotId)).toBe(true);
    const other = allocate({ ...input, seed: 'seed-b' });
    expect(other.order).not.toEqual(a.order);
    expect(drawOrder('x', ['c', 'a', 'b'])).toEqual(drawOrder('x', ['b', 'c', 'a']));
  });

  it('never grants a slot twice, and every grant keeps the family rules (no clash, the gap)', () => {
    for (const seed of ['1', '2', '3', '4', '5']) {
      const input = evening(seed, 40);
      const { steps } = allocate(input);
      const granted = steps.filter((s) => s.slotId);
      expect(new Set(granted.map((s) => s.slotId)).size).toBe(granted.length);
      const bySlot = new Map(input.slots.map((s) => [s.id, s]));
      const byFamily = new Map<string, FreeSlot[]>();
      for (const g of granted)
        byFamily.set(g.familyId, [...(byFamily.get(g.familyId) ?? []), bySlot.get(g.slotId!)!]);
      for (const list of byFamily.values())
        for (const a of list)
          for (const b of list)
            if (a !== b)
              expect(a.startMs >= b.endMs + input.gapMs || b.startMs >= a.endMs + input.gapMs).toBe(true);
    }
  });

  it('round-robin: no family gets its k+1-th choice while another family with an unmet k-th choice could have had that slot', () => {
    for (const seed of ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']) {
      // Scarce slots, so choices really compete.
      const input = evening(seed, 40, 4, 6);
      const { steps } = allocate(input);
      const slotById = new Map(input.slots.map((s) => [s.id, s]));
      for (const grant of steps.filter((s) => s.slotId && s.round > 1)) {
        const slot = slotById.get(grant.slotId!)!;
        // Replay the state as it was at the start of the grant's round - 1 turns.
        for (const unmet of steps.filter(
          (s) =>
            s.round < grant.round &&
            !s.slotId &&
            s.reason === 'no_fitting_slot' &&
            s.teacherId === slot.teacherId,
        )) {
          const state = new Commitments(input.gapMs);
          const before = steps.slice(0, steps.indexOf(unmet));
          for (const s of before.filter((x) => x.slotId))
            state.add({
              ...s,
              startMs: slotById.get(s.slotId!)!.startMs,
              endMs: slotById.get(s.slotId!)!.endMs,
            });
          const takenBefore = new Set(before.map((s) => s.slotId).filter(Boolean));
          // The slot was free at the unmet turn (granted only later), so it must not have fitted that family.
          expect(takenBefore.has(slot.id)).toBe(false);
          expect(state.fits(unmet.familyId, unmet.studentId, slot)).toBe(false);
        }
      }
      // Rounds run in order: a family's (k+1)-th turn never comes before any k-th turn.
      const rounds = steps.map((s) => s.round);
      expect([...rounds].sort((a, b) => a - b)).toEqual(rounds);
    }
  });

  it('respects arrival and leaving times and the per-child cap', () => {
    const input = evening('times', 10);
    input.families = input.families.map((f) => ({ ...f, arriveMs: 10 * MIN, leaveMs: 30 * MIN }));
    input.maxPerStudent = 1;
    const { steps } = allocate(input);
    const slotById = new Map(input.slots.map((s) => [s.id, s]));
    const perChild = new Map<string, number>();
    for (const s of steps.filter((x) => x.slotId)) {
      const slot = slotById.get(s.slotId!)!;
      expect(slot.startMs).toBeGreaterThanOrEqual(10 * MIN);
      expect(slot.endMs).toBeLessThanOrEqual(30 * MIN);
      perChild.set(s.studentId, (perChild.get(s.studentId) ?? 0) + 1);
    }
    expect(Math.max(...perChild.values())).toBe(1);
  });
});
