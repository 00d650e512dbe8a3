import type { EventSitting } from '../../../protocol/schemas.ts';
import { formatDate, formatTime } from './school-time.ts';

/** A run of times (or slots) that fall in one sitting, with what to call it on screen. */
export interface SittingGroup<T> {
  key: string;
  /** "Afternoon · Thursday, 3 December 2026, 16:00–17:00"; null when the event has one sitting. */
  heading: string | null;
  items: T[];
}

/** What a sitting is called on screen: its label (if any), its date and its hours, in the school's zone. */
export function sittingHeading(s: EventSitting, timeZone: string): string {
  const when = `${formatDate(s.startsAt, timeZone)}, ${formatTime(s.startsAt, timeZone)}–${formatTime(s.endsAt, timeZone)}`;
  return s.label ? `${s.label} · ${when}` : when;
}

/**
 * Splits items in time order by the sitting each starts in (two evenings, or an
 * afternoon and an evening). With one sitting or none, there is one group and no heading:
 * screens look as they always did. An item outside every sitting (a slot an admin added
 * there) goes in an "Other times" group of its own run.
 */
export function groupBySitting<T>(
  items: T[],
  startOf: (item: T) => string,
  sittings: EventSitting[],
  timeZone: string,
): SittingGroup<T>[] {
  if (sittings.length < 2) return items.length > 0 ? [{ key: 'all', heading: null, items }] : [];
  const groups: SittingGroup<T>[] = [];
  for (const item of items) {
    const at = Date.parse(startOf(item));
    const s = sittings.find((x) => Date.parse(x.startsAt) <= at && at < Date.parse(x.endsAt));
    const key = s?.id ?? 'other';
    const last = groups.at(-1);
    if (last && last.key === key) last.items.push(item);
    else
      groups.push({
        key: groups.some((g) => g.key === key) ? `${key}-${groups.length}` : key,
        heading: s ? sittingHeading(s, timeZone) : 'Other times',
        items: [item],
      });
  }
  return groups;
}
