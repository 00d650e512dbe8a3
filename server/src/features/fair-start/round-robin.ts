import { drawOrder } from './seeded-random.ts';

/** Times are epoch milliseconds: the allocation is pure arithmetic, no zones involved. */
export interface FreeSlot {
  id: string;
  teacherId: string;
  startMs: number;
  endMs: number;
}

export interface FamilyRequest {
  familyId: string;
  /** In order of preference. */
  choices: { studentId: string; teacherId: string }[];
  arriveMs: number | null;
  leaveMs: number | null;
}

/** An appointment that already stands (made by staff during the window, say). */
export interface Commitment {
  familyId: string;
  studentId: string;
  teacherId: string;
  startMs: number;
  endMs: number;
}

export interface AllocationInput {
  seed: string;
  families: FamilyRequest[];
  slots: FreeSlot[];
  existing: Commitment[];
  gapMs: number;
  maxPerStudent: number;
}

export type StepReason = 'granted' | 'no_fitting_slot' | 'cap_reached' | 'already_booked';

export interface AllocationStep {
  round: number;
  familyId: string;
  studentId: string;
  teacherId: string;
  slotId: string | null;
  reason: StepReason;
}

export interface Allocation {
  order: string[];
  steps: AllocationStep[];
}

interface Interval {
  startMs: number;
  endMs: number;
}

/** What the allocation knows about one family and its children as it goes. */
export class Commitments {
  private readonly byFamily = new Map<string, Interval[]>();
  private readonly byStudent = new Map<string, Interval[]>();
  private readonly studentTeachers = new Map<string, Set<string>>();

  constructor(private readonly gapMs: number) {}

  add(c: Commitment): void {
    const iv = { startMs: c.startMs, endMs: c.endMs };
    push(this.byFamily, c.familyId, iv);
    push(this.byStudent, c.studentId, iv);
    const t = this.studentTeachers.get(c.studentId) ?? new Set<string>();
    t.add(c.teacherId);
    this.studentTeachers.set(c.studentId, t);
  }

  family(familyId: string): Interval[] {
    return this.byFamily.get(familyId) ?? [];
  }

  count(studentId: string): number {
    return this.byStudent.get(studentId)?.length ?? 0;
  }

  sees(studentId: string, teacherId: string): boolean {
    return this.studentTeachers.get(studentId)?.has(teacherId) ?? false;
  }

  /**
   * The database's rules, restated for planning (the constraints still decide at
   * insert): a family keeps the event's gap between its appointments (the guard
   * ranges are widened by half the gap each side), and a child is never in two
   * places at once (a child may belong to two families).
   */
  fits(familyId: string, studentId: string, s: Interval): boolean {
    for (const m of this.family(familyId))
      if (s.startMs < m.endMs + this.gapMs && m.startMs < s.endMs + this.gapMs) return false;
    for (const m of this.byStudent.get(studentId) ?? [])
      if (s.startMs < m.endMs && m.startMs < s.endMs) return false;
    return true;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Waiting of a set of meetings: span from first start to last end, minus time in meetings. */
export function waitingMs(meetings: readonly Interval[]): number {
  if (meetings.length === 0) return 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let busy = 0;
  for (const m of meetings) {
    first = Math.min(first, m.startMs);
    last = Math.max(last, m.endMs);
    busy += m.endMs - m.startMs;
  }
  return last - first - busy;
}

/**
 * The fair-start allocation. Families are put in a random order drawn from the
 * seed; then, round by round, each family in that order gets one turn at its next
 * choice (round r = its r-th choice), so no family is given its (k+1)-th teacher
 * before every family has had its turn at its k-th. Even rounds run the order
 * backwards (a "snake" draft), so the family drawn last in round 1 goes first in
 * round 2. On its turn a family gets the free slot of that teacher that fits its
 * appointments so far and adds the least waiting (ties: the earliest).
 */
export function allocate(input: AllocationInput): Allocation {
  const order = drawOrder(
    input.seed,
    input.families.map((f) => f.familyId),
  );
  const requests = new Map(input.families.map((f) => [f.familyId, f]));
  const commitments = new Commitments(input.gapMs);
  for (const c of input.existing) commitments.add(c);

  const slotsByTeacher = new Map<string, FreeSlot[]>();
  for (const s of [...input.slots].sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1)))
    push(slotsByTeacher, s.teacherId, s);
  const taken = new Set<string>();

  const rounds = Math.max(0, ...input.families.map((f) => f.choices.length));
  const steps: AllocationStep[] = [];
  for (let round = 1; round <= rounds; round++) {
    const turnOrder = round % 2 === 1 ? order : [...order].reverse();
    for (const familyId of turnOrder) {
      const req = requests.get(familyId)!;
      const choice = req.choices[round - 1];
      if (!choice) continue;
      const step = { round, familyId, studentId: choice.studentId, teacherId: choice.teacherId };
      if (commitments.sees(choice.studentId, choice.teacherId)) {
        steps.push({ ...step, slotId: null, reason: 'already_booked' });
        continue;
      }
      if (commitments.count(choice.studentId) >= input.maxPerStudent) {
        steps.push({ ...step, slotId: null, reason: 'cap_reached' });
        continue;
      }
      const mine = commitments.family(familyId);
      let best: FreeSlot | null = null;
      let bestWait = Number.POSITIVE_INFINITY;
      for (const s of slotsByTeacher.get(choice.teacherId) ?? []) {
        if (taken.has(s.id)) continue;
        if (req.arriveMs !== null && s.startMs < req.arriveMs) continue;
        if (req.leaveMs !== null && s.endMs > req.leaveMs) continue;
        if (!commitments.fits(familyId, choice.studentId, s)) continue;
        const w = waitingMs([...mine, s]);
        if (w < bestWait) {
          best = s;
          bestWait = w;
        }
      }
      if (!best) {
        steps.push({ ...step, slotId: null, reason: 'no_fitting_slot' });
        continue;
      }
      taken.add(best.id);
      commitments.add({
        familyId,
        studentId: choice.studentId,
        teacherId: choice.teacherId,
        startMs: best.startMs,
        endMs: best.endMs,
      });
      steps.push({ ...step, slotId: best.id, reason: 'granted' });
    }
  }
  return { order, steps };
}
