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
  /** True when the search finished: no plan places more meetings or waits less. */
  provenBest: boolean;
}

/**
 * How long the search may go on. The search is exponential in the worst case (a
 * family asking for 11 meetings took minutes), so a request gets the best plan found
 * within its budget; `provenBest` says whether the search finished.
 */
export interface PlanBudget {
  /** Stop once `now()` reaches this instant (same clock as `now`). */
  until?: number;
  now?: () => number;
  /** Stop after this many search nodes: a deterministic budget for tests. */
  maxNodes?: number;
}

// Reading the clock on every node would cost more than the node itself.
const CLOCK_EVERY_NODES = 256;

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
 * the least waiting; never a clash, never closer than the gap.
 *
 * Anytime: a greedy pass first builds a plan around each slot of the most
 * constrained meeting (polynomial, so there is always an answer), then a depth-first
 * search over meetings (fewest candidates first) with branch-and-bound improves on
 * it until the budget runs out — a partial plan is dropped as soon as a lower bound
 * on its waiting cannot beat the best plan found, and each meeting tries the slots
 * nearest the family's block first, so good plans come early. With no budget, or a
 * budget the search finishes within, the plan is exact (`provenBest`).
 */
export function planItinerary(input: PlanInput, budget: PlanBudget = {}): Plan {
  const { gapMs } = input;
  const order = input.meetings
    .map((m, i) => ({ m: { ...m, candidates: [...m.candidates].sort(byStart) }, i }))
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
  let stopped = false;
  const now = budget.now ?? Date.now;
  const maxNodes = budget.maxNodes ?? Number.POSITIVE_INFINITY;
  const until = budget.until ?? Number.POSITIVE_INFINITY;

  const fixedBusy = input.fixed.reduce((s, f) => s + f.endMs - f.startMs, 0);
  const first0 = input.fixed.length
    ? Math.min(...input.fixed.map((f) => f.startMs))
    : Number.POSITIVE_INFINITY;
  const last0 = input.fixed.length ? Math.max(...input.fixed.map((f) => f.endMs)) : Number.NEGATIVE_INFINITY;

  const fits = (c: Candidate, studentId: string): boolean => {
    for (const p of placedNow) if (!keepsGap(c, p, gapMs)) return false;
    for (const b of input.childBusy.get(studentId) ?? []) if (overlaps(c, b)) return false;
    return true;
  };
  const offer = (placed: number, waiting: number) => {
    if (placed > bestPlaced || (placed === bestPlaced && waiting < bestWaiting)) {
      bestPlaced = placed;
      bestWaiting = waiting;
      best = [...current];
    }
  };

  // Greedy: each anchor slot (or none) of the most constrained meeting, then every
  // other meeting at the fitting slot that stretches the block least.
  const greedyFrom = (anchor: Candidate | null) => {
    let first = first0;
    let last = last0;
    let busy = fixedBusy;
    let placed = 0;
    for (let k = 0; k < n; k++) {
      const { m } = order[k]!;
      let pick: Candidate | null = null;
      let pickSpan = Number.POSITIVE_INFINITY;
      for (const c of k === 0 && anchor ? [anchor] : m.candidates) {
        if (!fits(c, m.studentId)) continue;
        const span = Math.max(last, c.endMs) - Math.min(first, c.startMs);
        if (span < pickSpan) {
          pick = c;
          pickSpan = span;
        }
      }
      current[k] = pick;
      if (!pick) continue;
      placedNow.push(pick);
      placed++;
      first = Math.min(first, pick.startMs);
      last = Math.max(last, pick.endMs);
      busy += pick.endMs - pick.startMs;
    }
    offer(placed, first === Number.POSITIVE_INFINITY ? 0 : last - first - busy);
    placedNow.length = input.fixed.length;
    current.fill(null);
  };
  if (n > 0) for (const anchor of order[0]!.m.candidates) greedyFrom(anchor);
  greedyFrom(null);

  const visit = (k: number, placed: number, first: number, last: number, busy: number) => {
    if (stopped) return;
    nodes++;
    if (nodes >= maxNodes || (nodes % CLOCK_EVERY_NODES === 0 && now() >= until)) {
      stopped = true;
      return;
    }
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
      offer(placed, span - busy);
      return;
    }
    const { m } = order[k]!;
    for (const c of nearestFirst(m.candidates, first, last)) {
      if (!fits(c, m.studentId)) continue;
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
      if (stopped) return;
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
    provenBest: !stopped,
  };
}

function byStart(a: Candidate, b: Candidate): number {
  return a.startMs - b.startMs || a.endMs - b.endMs;
}

/**
 * The candidates (sorted by start) in order of distance from the middle of the
 * family's block, so the search meets tight plans first; in time order while the
 * block is empty.
 */
function* nearestFirst(cs: readonly Candidate[], first: number, last: number): Generator<Candidate> {
  if (first === Number.POSITIVE_INFINITY) {
    yield* cs;
    return;
  }
  const mid = (first + last) / 2;
  let hi = 0;
  while (hi < cs.length && cs[hi]!.startMs < mid) hi++;
  let lo = hi - 1;
  while (lo >= 0 || hi < cs.length) {
    const down = lo >= 0 ? mid - cs[lo]!.endMs : Number.POSITIVE_INFINITY;
    const up = hi < cs.length ? cs[hi]!.startMs - mid : Number.POSITIVE_INFINITY;
    if (down <= up) yield cs[lo--]!;
    else yield cs[hi++]!;
  }
}
