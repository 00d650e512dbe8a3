/** Times are epoch milliseconds. */
export interface Interval {
  startMs: number;
  endMs: number;
}

export interface Candidate extends Interval {
  slotId: string;
}

export interface WantedMeeting {
  studentId: string;
  teacherId: string;
  /** Free slots of the teacher inside the family's arrive/leave times. */
  candidates: Candidate[];
}

export interface PlanInput {
  meetings: WantedMeeting[];
  /** The family's appointments that already stand (they count toward waiting). */
  fixed: Interval[];
  /** A child's appointments booked by another family (separated parents). */
  childBusy: Map<string, Interval[]>;
  gapMs: number;
}

export interface Plan {
  /** Per wanted meeting (same index), the chosen slot or null if it cannot be placed. */
  chosen: (Candidate | null)[];
  placed: number;
  waitingMs: number;
  /** Search nodes visited (for the benchmark). */
  nodes: number;
}

/**
 * The family's waiting: from the first start to the last end, minus the time spent
 * in meetings. Minimising it keeps the family's visit — siblings' meetings
 * included — in one tight block.
 */
export function waitingOf(meetings: readonly Interval[]): number {
  if (meetings.length === 0) return 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let busy = 0;
  for (const m of meetings) {
    if (m.startMs < first) first = m.startMs;
    if (m.endMs > last) last = m.endMs;
    busy += m.endMs - m.startMs;
  }
  return last - first - busy;
}

/** The database's family rules, for planning: no overlap and the gap between a family's appointments. */
export function keepsGap(a: Interval, b: Interval, gapMs: number): boolean {
  return a.startMs >= b.endMs + gapMs || b.startMs >= a.endMs + gapMs;
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}

/**
 * The best itinerary: as many wanted meetings as can be placed, and among those
 * the least waiting; never a clash, never closer than the gap. Exact: a
 * depth-first search over meetings (fewest candidates first) with
 * branch-and-bound — a partial plan is dropped as soon as a lower bound on its
 * waiting cannot beat the best plan found. Cheap for the ≤ 8 meetings a family
 * asks for (see docs/fairness.md for measurements).
 */
export function planItinerary(input: PlanInput): Plan {
  const { gapMs } = input;
  const order = input.meetings
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.candidates.length - b.m.candidates.length || a.i - b.i);
  const n = order.length;
  const durations = order.map(({ m }) =>
    m.candidates.length ? Math.max(...m.candidates.map((c) => c.endMs - c.startMs)) : 0,
  );
  // Suffix facts for the bound: the most time the remaining meetings can add, the
  // earliest any of them could end, the latest any could start.
  const restBusy = new Array<number>(n + 1).fill(0);
  const restMinEnd = new Array<number>(n + 1).fill(Number.NEGATIVE_INFINITY);
  const restMaxStart = new Array<number>(n + 1).fill(Number.POSITIVE_INFINITY);
  for (let k = n - 1; k >= 0; k--) {
    const cs = order[k]!.m.candidates;
    restBusy[k] = restBusy[k + 1]! + durations[k]!;
    const earliestEnd = cs.length ? Math.min(...cs.map((c) => c.endMs)) : Number.NEGATIVE_INFINITY;
    const latestStart = cs.length ? Math.max(...cs.map((c) => c.startMs)) : Number.POSITIVE_INFINITY;
    restMinEnd[k] = Math.max(restMinEnd[k + 1]!, earliestEnd);
    restMaxStart[k] = Math.min(restMaxStart[k + 1]!, latestStart);
  }

  let bestPlaced = -1;
  let bestWaiting = Number.POSITIVE_INFINITY;
  let best: (Candidate | null)[] = new Array(n).fill(null);
  const current: (Candidate | null)[] = new Array(n).fill(null);
  const placedNow: Interval[] = [...input.fixed];
  let nodes = 0;

  const fixedBusy = input.fixed.reduce((s, f) => s + f.endMs - f.startMs, 0);
  const first0 = input.fixed.length
    ? Math.min(...input.fixed.map((f) => f.startMs))
    : Number.POSITIVE_INFINITY;
  const last0 = input.fixed.length ? Math.max(...input.fixed.map((f) => f.endMs)) : Number.NEGATIVE_INFINITY;

  const visit = (k: number, placed: number, first: number, last: number, busy: number) => {
    nodes++;
    const remaining = n - k;
    if (placed + remaining < bestPlaced) return;
    const span = first === Number.POSITIVE_INFINITY ? 0 : last - first;
    if (placed + remaining === bestPlaced) {
      // Every remaining meeting must be placed to tie on count: the span must reach
      // the latest "earliest end" and the earliest "latest start" of what is left.
      const lo = Math.min(first, restMaxStart[k]!);
      const hi = Math.max(last, restMinEnd[k]!);
      const spanLb = Number.isFinite(lo) && Number.isFinite(hi) ? Math.max(span, hi - lo) : span;
      if (spanLb - busy - restBusy[k]! >= bestWaiting) return;
    }
    if (k === n) {
      const waiting = span - busy;
      if (placed > bestPlaced || (placed === bestPlaced && waiting < bestWaiting)) {
        bestPlaced = placed;
        bestWaiting = waiting;
        best = [...current];
      }
      return;
    }
    const { m } = order[k]!;
    const busyChild = input.childBusy.get(m.studentId) ?? [];
    for (const c of m.candidates) {
      let ok = true;
      for (const p of placedNow)
        if (!keepsGap(c, p, gapMs)) {
          ok = false;
          break;
        }
      if (ok)
        for (const b of busyChild)
          if (overlaps(c, b)) {
            ok = false;
            break;
          }
      if (!ok) continue;
      current[k] = c;
      placedNow.push(c);
      visit(
        k + 1,
        placed + 1,
        Math.min(first, c.startMs),
        Math.max(last, c.endMs),
        busy + c.endMs - c.startMs,
      );
      placedNow.pop();
      current[k] = null;
    }
    visit(k + 1, placed, first, last, busy);
  };
  visit(0, 0, first0, last0, fixedBusy);

  const chosen: (Candidate | null)[] = new Array(n).fill(null);
  order.forEach(({ i }, k) => {
    chosen[i] = best[k] ?? null;
  });
  return {
    chosen,
    placed: Math.max(0, bestPlaced),
    waitingMs: bestWaiting === Number.POSITIVE_INFINITY ? 0 : bestWaiting,
    nodes,
  };
}
