import { describe, expect, it } from 'vitest';
import type { SlotFact } from '../../protocol/index.ts';
import type { FactEnvelope } from '../../server/src/features/live/fact-channel.ts';
import { SlotStateCache } from '../../server/src/features/live/slot-state-cache.ts';

const T0 = Date.parse('2026-11-29T19:00:00Z');

function fact(
  version: number,
  state: SlotFact['slot']['state'],
  extra: Partial<SlotFact['slot']> = {},
): FactEnvelope {
  return {
    familyId: null,
    fact: {
      eventId: 'e',
      version,
      kind:
        state === 'held' ? 'held' : state === 'booked' ? 'booked' : state === 'free' ? 'released' : 'changed',
      reason: 'test',
      slot: {
        id: 's1',
        teacherId: 't',
        startsAt: '2026-11-29T19:00:00.000Z',
        endsAt: '2026-11-29T19:05:00.000Z',
        room: 'R1',
        state,
        heldUntil: null,
        version,
        ...extra,
      },
    },
  };
}

const occupant = (familyId: string) => ({
  bookingId: 'b',
  familyId,
  familySurname: 'X',
  studentId: 'st',
  studentName: 'Y',
  status: 'held' as const,
});

describe('SlotStateCache', () => {
  it('knows a held slot as taken from other families until the hold lapses, never from its own family', () => {
    let now = T0;
    const cache = new SlotStateCache(() => now);
    expect(cache.isTakenFrom('f2', 's1')).toBe(false);
    cache.apply([
      fact(5, 'held', { heldUntil: new Date(T0 + 10_000).toISOString(), occupant: occupant('f1') }),
    ]);
    expect(cache.isTakenFrom('f2', 's1')).toBe(true);
    expect(cache.isTakenFrom('f1', 's1')).toBe(false);
    now = T0 + 10_001;
    expect(cache.isTakenFrom('f2', 's1')).toBe(false);
  });

  it('applies facts by version, trusts a booked or blocked slot for 30 s only, and forgets on clear', () => {
    let now = T0;
    const cache = new SlotStateCache(() => now);
    cache.apply([fact(7, 'booked', { occupant: { ...occupant('f1'), status: 'confirmed' } })]);
    cache.apply([fact(6, 'free')]); // older, arrived late: ignored
    expect(cache.isTakenFrom('f2', 's1')).toBe(true);
    cache.apply([fact(8, 'free')]);
    expect(cache.isTakenFrom('f2', 's1')).toBe(false);
    cache.apply([fact(9, 'blocked')]);
    expect(cache.isTakenFrom('f1', 's1')).toBe(true); // blocked: taken from everyone
    now = T0 + 29_000;
    expect(cache.isTakenFrom('f2', 's1')).toBe(true);
    now = T0 + 30_001;
    expect(cache.isTakenFrom('f2', 's1')).toBe(false);
    now = T0;
    cache.clear();
    expect(cache.isTakenFrom('f2', 's1')).toBe(false);
  });
});
