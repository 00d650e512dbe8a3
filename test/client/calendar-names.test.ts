import { afterEach, describe, expect, it } from 'vitest';
import { namedInOurWords } from '../../client/src/lib/i18n/calendar-names.ts';
import { showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';

// Desktop Chrome has no Welsh calendar data; where Intl lacks a language the dates are British
// English parts with our own day and month names (jsdom's Node knows Welsh, so the swap itself is
// tested here, on a British English formatter as such a browser would use).
describe('day and month names where Intl lacks the language', () => {
  afterEach(async () => {
    await showLanguage('en');
  });

  it('names a Thursday in December in Welsh, in the school’s zone', async () => {
    await showLanguage('cy');
    // 23:30 on Wednesday 2 December in UTC is already Thursday 3 December in Auckland.
    const instant = new Date('2026-12-02T23:30:00Z');
    const long = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Pacific/Auckland',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    });
    // British English punctuation (ICU versions differ on the comma), Welsh names.
    expect(namedInOurWords(long, instant)).toMatch(/^Dydd Iau,? 3 Rhagfyr 2026$/);
    const short = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    expect(namedInOurWords(short, instant)).toMatch(/^Mer,? 2 Rhag,? 23:30$/);
  });

  it('keeps English names for English', async () => {
    const f = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', month: 'long' });
    expect(namedInOurWords(f, new Date('2026-07-01T12:00:00Z'))).toBe(
      f.format(new Date('2026-07-01T12:00:00Z')),
    );
  });
});
