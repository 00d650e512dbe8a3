import type { SlotView } from '../../../protocol/schemas.ts';

export type TimelineEntry =
  | { kind: 'appointment'; slot: SlotView }
  | { kind: 'gap'; startsAt: string; endsAt: string; slots: SlotView[]; minutes: number };

/**
 * A teacher's evening in time order. Runs of free (or blocked, or lapsed-hold)
 * slots collapse into one gap, so the shape of the evening is visible at a glance;
 * held and booked slots stay one line each.
 */
export function buildTimeline(slots: SlotView[], now: number): TimelineEntry[] {
  const ordered = [...slots].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const out: TimelineEntry[] = [];
  let gap: SlotView[] = [];
  const flush = () => {
    if (gap.length === 0) return;
    const startsAt = gap[0]!.startsAt;
    const endsAt = gap[gap.length - 1]!.endsAt;
    out.push({
      kind: 'gap',
      startsAt,
      endsAt,
      slots: gap,
      minutes: Math.round((Date.parse(endsAt) - Date.parse(startsAt)) / 60_000),
    });
    gap = [];
  };
  for (const s of ordered) {
    const occupied =
      s.state === 'booked' || (s.state === 'held' && (!s.heldUntil || Date.parse(s.heldUntil) > now));
    if (occupied) {
      flush();
      out.push({ kind: 'appointment', slot: s });
    } else gap.push(s);
  }
  flush();
  return out;
}

/** The booked appointment that is on now or comes next. */
export function nextAppointment(slots: SlotView[], now: number): SlotView | null {
  let best: SlotView | null = null;
  for (const s of slots) {
    if (s.state !== 'booked' || Date.parse(s.endsAt) <= now) continue;
    if (!best || s.startsAt < best.startsAt) best = s;
  }
  return best;
}
