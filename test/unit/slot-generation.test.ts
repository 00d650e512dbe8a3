import { describe, expect, it } from 'vitest';
import {
  generateSlots,
  instantToLocalTime,
  isValidTimeZone,
  localToInstant,
} from '../../server/src/features/events/slot-generation.ts';

// The suite runs under TZ=Pacific/Chatham (+13:45 in summer): code that uses the
// server's zone instead of the school's gives visibly wrong instants here.
describe('school-zone time', () => {
  it('runs under a non-UTC zone', () => {
    expect(new Date('2026-01-01T00:00:00Z').getTimezoneOffset()).not.toBe(0);
  });

  it('turns a London wall-clock time into the right instant in winter and in summer', () => {
    expect(localToInstant('2026-12-03', '16:00', 'Europe/London').toISOString()).toBe(
      '2026-12-03T16:00:00.000Z',
    );
    expect(localToInstant('2026-06-11', '16:00', 'Europe/London').toISOString()).toBe(
      '2026-06-11T15:00:00.000Z',
    );
    expect(instantToLocalTime(new Date('2026-06-11T15:00:00Z'), 'Europe/London')).toBe('16:00');
  });

  it('refuses nonsense dates and zones', () => {
    expect(() => localToInstant('2026-02-30', '16:00', 'Europe/London')).toThrow(RangeError);
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('generateSlots', () => {
  const at = (t: string) => localToInstant('2026-12-03', t, 'Europe/London');

  it('cuts a window into whole slots and drops a short tail', () => {
    const slots = generateSlots([{ startsAt: at('16:00'), endsAt: at('16:32') }], [], 10);
    expect(slots.map((s) => instantToLocalTime(s.startsAt, 'Europe/London'))).toEqual([
      '16:00',
      '16:10',
      '16:20',
    ]);
  });

  it('skips slots that touch a break and never overlaps two windows', () => {
    const slots = generateSlots(
      [
        { startsAt: at('16:00'), endsAt: at('17:00') },
        { startsAt: at('16:30'), endsAt: at('17:30') },
      ],
      [{ startsAt: at('16:25'), endsAt: at('16:45') }],
      15,
    );
    const times = slots.map((s) => instantToLocalTime(s.startsAt, 'Europe/London'));
    expect(times).toEqual(['16:00', '16:45', '17:00', '17:15']);
  });

  it('gives slots of real length across a DST change', () => {
    // 2026-10-25 01:00 UTC London falls back: 01:00–02:00 local happens twice.
    const start = localToInstant('2026-10-25', '00:30', 'Europe/London');
    const end = new Date(start.getTime() + 2 * 3600_000);
    const slots = generateSlots([{ startsAt: start, endsAt: end }], [], 30);
    expect(slots).toHaveLength(4);
    for (const s of slots) expect(s.endsAt.getTime() - s.startsAt.getTime()).toBe(30 * 60_000);
  });
});
