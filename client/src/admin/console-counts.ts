import type { SlotView } from '../../../protocol/schemas.ts';

export interface Counts {
  booked: number;
  held: number;
  free: number;
  blocked: number;
  total: number;
}

/** Counts from the live slots, so they move with every fact (a lapsed hold counts as free). */
export function countSlots(
  slots: Iterable<SlotView>,
  now: number,
): { all: Counts; byTeacher: Map<string, Counts> } {
  const zero = (): Counts => ({ booked: 0, held: 0, free: 0, blocked: 0, total: 0 });
  const all = zero();
  const byTeacher = new Map<string, Counts>();
  for (const s of slots) {
    let t = byTeacher.get(s.teacherId);
    if (!t) {
      t = zero();
      byTeacher.set(s.teacherId, t);
    }
    const lapsed = s.state === 'held' && s.heldUntil !== null && Date.parse(s.heldUntil) <= now;
    const key = lapsed ? 'free' : s.state;
    all[key]++;
    t[key]++;
    all.total++;
    t.total++;
  }
  return { all, byTeacher };
}
