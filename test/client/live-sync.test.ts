import { describe, expect, it } from 'vitest';
import { unavailabilityFor } from '../../client/src/lib/family-rules.ts';
import { formatDateTime, formatTime } from '../../client/src/lib/school-time.ts';
import { SlotSync } from '../../client/src/lib/slot-sync.ts';
import type { SlotView } from '../../protocol/schemas.ts';
import type { SlotFact } from '../../protocol/socket-events.ts';
import { booking, event, slot } from './fixtures/grid-data.ts';

const fact = (version: number, s: SlotView, kind: SlotFact['kind'] = 'held'): SlotFact => ({
  eventId: event.id,
  version,
  kind,
  reason: kind,
  slot: s,
});

describe('slot facts by version', () => {
  it('applies newer facts per slot, drops older ones, and keeps a fact newer than a late snapshot', () => {
    const shown = new Map<string, SlotView>();
    const sync = new SlotSync((s) => shown.set(s.id, s));
    const a = slot('t1', 0);
    const b = slot('t1', 1);
    // A fact arrives while the join's snapshot is still being read.
    sync.receive(fact(12, { ...a, state: 'held' }));
    sync.loadSnapshot({
      eventId: event.id,
      version: 10,
      teachers: [],
      slots: [
        { ...a, version: 10 },
        { ...b, version: 7 },
      ],
    });
    expect(shown.get(a.id)!.state).toBe('held');
    expect(shown.get(b.id)!.state).toBe('free');
    // Versions skip (fan-out by interest): 15 after 12 is applied at once.
    sync.receive(fact(15, { ...b, state: 'booked' }, 'booked'));
    expect(shown.get(b.id)!.state).toBe('booked');
    // Out of order: an older fact about b must not undo the newer one.
    sync.receive(fact(14, { ...b, state: 'held' }));
    expect(shown.get(b.id)!.state).toBe('booked');
    // A fact older than the snapshot is already in it.
    sync.receive(fact(9, { ...a, state: 'free' }, 'released'));
    expect(shown.get(a.id)!.state).toBe('held');
    expect(sync.version).toBe(15);
    // Each slot carries its own version: b's snapshot state (7) gives way to fact 8.
    const c = slot('t2', 0);
    sync.loadSnapshot({ eventId: event.id, version: 15, teachers: [], slots: [{ ...c, version: 7 }] });
    expect(sync.receive(fact(8, { ...c, state: 'held' }))).toBe(true);
    // A slot added since the snapshot takes its first fact whatever its number.
    expect(sync.receive(fact(3, { ...slot('t3', 9), state: 'free' }, 'changed'))).toBe(true);
  });
});

describe('family rules', () => {
  it('mirrors the database: clash, gap, one per teacher, cap', () => {
    const taken = slot('t1', 2); // 16:10-16:15
    const family = [booking(taken, 'confirmed', 'sib')];
    expect(unavailabilityFor(slot('t2', 2), 'kid', family, event)).toBe('clash');
    expect(unavailabilityFor(slot('t2', 1), 'kid', family, event)).toBe('gap');
    expect(unavailabilityFor(slot('t2', 3), 'kid', family, event)).toBe('gap');
    expect(unavailabilityFor(slot('t2', 4), 'kid', family, event)).toBeNull();
    expect(unavailabilityFor(slot('t2', 1), 'kid', family, { ...event, gapMinutes: 0 })).toBeNull();
    const mine = [booking(slot('t1', 6), 'held', 'kid')];
    expect(unavailabilityFor(slot('t1', 0), 'kid', mine, event)).toBe('has_teacher');
    expect(unavailabilityFor(slot('t1', 0), 'sib', mine, event)).toBeNull();
    expect(unavailabilityFor(slot('t2', 0), 'kid', mine, { ...event, maxPerStudent: 1 })).toBe('cap');
    // Cancelled and expired bookings stand in nobody's way.
    expect(unavailabilityFor(slot('t2', 2), 'kid', [booking(taken, 'cancelled', 'sib')], event)).toBeNull();
  });
});

describe('school time', () => {
  it("formats in the school's zone whatever the browser's zone is", () => {
    // The suite runs under TZ=Pacific/Chatham; London shows 16:00, Chatham would show 05:45.
    expect(formatTime('2026-11-30T16:00:00.000Z', 'Europe/London')).toBe('16:00');
    expect(formatTime('2026-06-30T16:00:00.000Z', 'Europe/London')).toBe('17:00');
    expect(formatDateTime('2026-11-30T16:00:00.000Z', 'Europe/London')).toBe('Mon 30 Nov, 16:00');
  });
});
