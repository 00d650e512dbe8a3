import { intlKnows, namedInOurWords } from './i18n/calendar-names.ts';
import { intlLocale } from './i18n/messages.svelte.ts';

/**
 * Every time on screen is in the SCHOOL's zone, never the browser's: a parent
 * abroad (or a laptop set to UTC) must see the same 18:05 as the school hall clock.
 */
const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, kind: 'time' | 'date' | 'dateTime'): Intl.DateTimeFormat {
  // In the language on screen (read reactively, so a change of language re-renders times).
  const locale = intlLocale();
  const key = `${locale}|${timeZone}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'date'
          ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
          : {
              weekday: 'short',
              day: 'numeric',
              month: 'short',
              hour: '2-digit',
              minute: '2-digit',
              hourCycle: 'h23',
            };
    f = new Intl.DateTimeFormat(intlKnows(locale) ? locale : 'en-GB', { ...options, timeZone });
    cache.set(key, f);
  }
  return f;
}

export function formatTime(iso: string, timeZone: string): string {
  return formatter(timeZone, 'time').format(new Date(iso));
}

export function formatDate(iso: string, timeZone: string): string {
  return named(formatter(timeZone, 'date'), new Date(iso));
}

export function formatDateTime(iso: string, timeZone: string): string {
  return named(formatter(timeZone, 'dateTime'), new Date(iso));
}

function named(f: Intl.DateTimeFormat, date: Date): string {
  return intlKnows(intlLocale()) ? f.format(date) : namedInOurWords(f, date);
}

/** "1:45" style remaining time for a countdown, in the digits of the language on screen. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${digits(1).format(m)}:${digits(2).format(s)}`;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function digits(minimumIntegerDigits: number): Intl.NumberFormat {
  const locale = intlLocale();
  const key = `${locale}|${minimumIntegerDigits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { minimumIntegerDigits, useGrouping: false });
    numberFormats.set(key, f);
  }
  return f;
}
