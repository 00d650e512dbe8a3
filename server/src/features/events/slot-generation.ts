import { DateTime } from 'luxon';

export interface Window {
  startsAt: Date;
  endsAt: Date;
}

export interface GeneratedSlot {
  startsAt: Date;
  endsAt: Date;
}

/**
 * Cuts a teacher's availability windows into slots of `slotMinutes`, skipping any
 * that touch a break. Works on instants, so a window across a DST change still
 * gives slots of real length; a trailing piece shorter than a slot is dropped.
 */
export function generateSlots(windows: Window[], breaks: Window[], slotMinutes: number): GeneratedSlot[] {
  const step = slotMinutes * 60_000;
  const out: GeneratedSlot[] = [];
  for (const w of [...windows].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())) {
    for (let t = w.startsAt.getTime(); t + step <= w.endsAt.getTime(); t += step) {
      const s = t;
      const e = t + step;
      if (breaks.some((b) => s < b.endsAt.getTime() && b.startsAt.getTime() < e)) continue;
      if (out.some((o) => s < o.endsAt.getTime() && o.startsAt.getTime() < e)) continue;
      out.push({ startsAt: new Date(s), endsAt: new Date(e) });
    }
  }
  return out;
}

/**
 * The slots that lie wholly inside one of the event's sittings (two evenings,
 * or an afternoon and an evening). A teacher's window may span the time between two
 * sittings; no slot is cut there. An event without sittings bounds nothing.
 */
export function withinSittings<T extends Window>(slots: T[], sittings: Window[]): T[] {
  if (sittings.length === 0) return slots;
  return slots.filter((s) => sittings.some((t) => t.startsAt <= s.startsAt && s.endsAt <= t.endsAt));
}

/**
 * The instant of a wall-clock time on a date in a school's zone ("2026-12-03",
 * "16:30", "Europe/London"). Slot times are always entered and shown in the school's
 * zone, never the server's.
 */
export function localToInstant(date: string, time: string, timeZone: string): Date {
  const dt = DateTime.fromISO(`${date}T${time}`, { zone: timeZone });
  if (!dt.isValid) throw new RangeError(`invalid local time ${date} ${time} in ${timeZone}`);
  return dt.toJSDate();
}

/** Wall-clock "HH:mm" of an instant in a zone. */
export function instantToLocalTime(instant: Date, timeZone: string): string {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toFormat('HH:mm');
}

export function isValidTimeZone(tz: string): boolean {
  return DateTime.now().setZone(tz).isValid;
}
