/**
 * Day and month names for a language the browser's Intl does not know. Desktop Chrome ships
 * no Welsh calendar data (Intl.DateTimeFormat('cy') falls back to English: "Thursday, 3
 * December"), and Welsh is the language a school in Wales must offer: such a browser formats
 * in British English and the day and month names are swapped for ours (i18n/messages/calendar,
 * Welsh only; any other language Intl lacks keeps English names).
 */
import { m } from './messages.svelte.ts';

type Names = Record<string, (inputs?: Record<string, never>) => string>;

const supported = new Map<string, boolean>();
export function intlKnows(locale: string): boolean {
  let known = supported.get(locale);
  if (known === undefined) {
    known = Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
    supported.set(locale, known);
  }
  return known;
}

/** The British English parts of `date`, with the weekday and month named in the language on screen. */
export function namedInOurWords(f: Intl.DateTimeFormat, date: Date): string {
  const names = m as unknown as Names;
  const o = f.resolvedOptions();
  const numeric = new Intl.DateTimeFormat('en-GB', {
    timeZone: o.timeZone,
    weekday: 'short',
    month: 'numeric',
  });
  const n = Object.fromEntries(numeric.formatToParts(date).map((p) => [p.type, p.value]));
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(n.weekday ?? '');
  return f
    .formatToParts(date)
    .map((p) => {
      if (p.type === 'weekday')
        return names[`cal_weekday_${o.weekday === 'long' ? 'long' : 'short'}_${weekday}`]?.() ?? p.value;
      if (p.type === 'month' && (o.month === 'long' || o.month === 'short'))
        return names[`cal_month_${o.month}_${n.month}`]?.() ?? p.value;
      return p.value;
    })
    .join('');
}
