import { DateTime } from 'luxon';

interface Transition {
  /** The instant the new offset starts. */
  at: DateTime;
  fromMinutes: number;
  toMinutes: number;
  isDst: boolean;
  name: string;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function offsetAt(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/** The instant within (lo, hi] where the offset changes; both ends are whole minutes. */
function findChange(zone: string, lo: number, hi: number): number {
  const before = offsetAt(zone, lo);
  let a = lo / 60_000;
  let b = hi / 60_000;
  while (b - a > 1) {
    const mid = a + Math.floor((b - a) / 2);
    if (offsetAt(zone, mid * 60_000) === before) a = mid;
    else b = mid;
  }
  return b * 60_000;
}

function transitionsBetween(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  const step = 6 * 3600_000;
  for (let t = from; t < to; t += step) {
    const next = Math.min(t + step, to);
    if (offsetAt(zone, t) !== offsetAt(zone, next)) {
      const at = findChange(zone, t, next);
      const dt = DateTime.fromMillis(at, { zone, locale: 'en-GB' });
      out.push({
        at: dt,
        fromMinutes: offsetAt(zone, at - 60_000),
        toMinutes: dt.offset,
        isDst: dt.isInDST,
        name: dt.offsetNameShort ?? offsetText(dt.offset),
      });
    }
  }
  return out;
}

// Finding a year's offset changes asks luxon for ~3,000 offsets (~50 ms); on opening
// night every confirmation e-mail needs the same zone and span, and the workers
// spent more CPU on this than on anything else. The answer never changes.
const transitionCache = new Map<string, Transition[]>();

function knownTransitions(zone: string, from: number, to: number): Transition[] {
  const key = `${zone}|${from}|${to}`;
  let found = transitionCache.get(key);
  if (!found) {
    if (transitionCache.size >= 256) transitionCache.clear();
    found = transitionsBetween(zone, from, to);
    transitionCache.set(key, found);
  }
  return found;
}

/**
 * A VTIMEZONE for `zone` that is exact for instants in [from, to]: the last offset
 * change before `from` and every change up to `to`, computed from the IANA data
 * Node ships with (through luxon). Calendar apps and ical.js need it to turn
 * `DTSTART;TZID=Europe/London:…` into the right instant; without it the local time
 * would float in whatever zone the reader is in.
 */
export function vtimezone(zone: string, from: Date, to: Date): string {
  // Whole days, so every instant the search looks at is a whole minute, and every
  // e-mail about one evening asks for the same span (see knownTransitions).
  const day = 24 * 3600_000;
  const start = Math.floor(from.getTime() / day) * day - 366 * day;
  const end = Math.ceil(to.getTime() / day) * day + day;
  const all = knownTransitions(zone, start, end);
  const before = all.filter((t) => t.at.toMillis() <= from.getTime());
  const within = all.filter((t) => t.at.toMillis() > from.getTime());
  const used = [...before.slice(-1), ...within];
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  if (used.length === 0) {
    // No change in the past year: a zone without daylight saving.
    const here = DateTime.fromJSDate(from, { zone }).setLocale('en-GB');
    lines.push(
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      `TZOFFSETFROM:${offsetText(here.offset)}`,
      `TZOFFSETTO:${offsetText(here.offset)}`,
      `TZNAME:${here.offsetNameShort ?? offsetText(here.offset)}`,
      'END:STANDARD',
    );
  }
  for (const t of used) {
    const kind = t.isDst ? 'DAYLIGHT' : 'STANDARD';
    // DTSTART is the onset in the local time that was in force before it.
    const onset = t.at.setZone(`UTC${offsetText(t.fromMinutes).replace(/(\d\d)(\d\d)$/, '$1:$2')}`);
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${onset.toFormat("yyyyLLdd'T'HHmmss")}`,
      `TZOFFSETFROM:${offsetText(t.fromMinutes)}`,
      `TZOFFSETTO:${offsetText(t.toMinutes)}`,
      `TZNAME:${t.name}`,
      `END:${kind}`,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}
