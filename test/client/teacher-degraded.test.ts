import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLive } from '../../client/src/lib/event-live.svelte.ts';
import type { LiveConnection, LiveStatus } from '../../client/src/lib/live-connection.svelte.ts';
import DegradedBanner from '../../client/src/shared/DegradedBanner.svelte';
import { keepTimeline, keptTimeline } from '../../client/src/teacher/kept-timeline.ts';
import { TimelineFreshness } from '../../client/src/teacher/timeline-freshness.svelte.ts';
import type { Ack } from '../../protocol/errors.ts';
import type { AvailabilitySnapshot } from '../../protocol/schemas.ts';

const eventId = '11111111-1111-4111-8111-111111111111';
const teacherId = '22222222-2222-4222-8222-222222222222';
const snapshot: AvailabilitySnapshot = {
  eventId,
  version: 7,
  teachers: [{ id: teacherId, displayName: 'Ms A', room: 'B1' }],
  slots: [
    {
      id: '33333333-3333-4333-8333-333333333333',
      teacherId,
      startsAt: '2026-11-30T19:30:00.000Z',
      endsAt: '2026-11-30T19:35:00.000Z',
      room: 'B1',
      state: 'free',
      heldUntil: null,
      version: 7,
    },
  ],
};
const unavailable: Ack<AvailabilitySnapshot> = {
  ok: false,
  error: { code: 'unavailable', message: 'Confer is busy for a moment.', retryAfter: 2 },
};
// 19:04 in London (GMT in November).
const AT_1904 = Date.UTC(2026, 10, 30, 19, 4, 10);

/** A connection double answering `event:join` from a script; `status` as LiveConnection reports it. */
function scriptedConnection(answers: Ack<AvailabilitySnapshot>[]) {
  const socket = {
    connected: true,
    on: () => {},
    off: () => {},
    emit: () => {},
    timeout: () => ({
      emit: (_e: string, _p: unknown, ack: (err: Error | null, res: Ack<AvailabilitySnapshot>) => void) =>
        ack(null, answers.shift()!),
    }),
  };
  const connection = { socket, onConnect: () => () => {}, status: 'live' as LiveStatus };
  return connection as unknown as LiveConnection & { status: LiveStatus };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

// A teacher's timeline keeps the last slots it had while the service is
// down, and says from when; the live layer's rejoin ends the pause.
describe('a teacher’s timeline in degraded mode', () => {
  it('keeps its slots through a refused snapshot and an offline connection, says as of when, and resumes on the next snapshot', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(AT_1904);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const connection = scriptedConnection([
      { ok: true, data: snapshot },
      unavailable,
      { ok: true, data: snapshot },
    ]);
    const live = new EventLive(connection, eventId);
    const freshness = new TimelineFreshness(connection, live);
    live.join();
    freshness.heard();
    expect(freshness.paused).toBe(false);

    // The database goes away; the server asks screens to take a fresh snapshot, refused.
    vi.setSystemTime(AT_1904 + 5 * 60_000);
    live.join();
    expect(live.error).not.toBeNull();
    expect(live.slots.size).toBe(1);
    expect(freshness.paused).toBe(true);
    render(DegradedBanner, {
      message: 'Live updates are paused for a moment',
      asOf: freshness.asOf,
      asOfLabel: 'your timeline below is as of',
      timeZone: 'Europe/London',
    });
    expect(screen.getByRole('status').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Live updates are paused for a moment; your timeline below is as of 19:04.',
    );

    // The live layer asks again after the server's Retry-After: the snapshot comes, the pause ends.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(live.error).toBeNull();
    expect(freshness.paused).toBe(false);

    // A connection cut long enough to be "Offline" pauses it too, with the slots kept.
    connection.status = 'offline';
    expect(freshness.paused).toBe(true);
    expect(live.slots.size).toBe(1);
    live.dispose();
  });

  it('a page reloaded while the service is away starts from the kept timeline, paused as of its time, until a snapshot', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(AT_1904 + 10 * 60_000);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const storage = window.sessionStorage;
    const asOf = new Date(AT_1904).toISOString();
    const event = { id: eventId, name: 'Year 9', timeZone: 'Europe/London' } as never;
    keepTimeline(storage, teacherId, { event, slots: snapshot.slots, asOf });
    const kept = keptTimeline(storage, teacherId);
    expect(kept?.slots).toHaveLength(1);
    expect(keptTimeline(storage, 'another-teacher')).toBeNull();

    const connection = scriptedConnection([unavailable, { ok: true, data: snapshot }]);
    const live = new EventLive(connection, eventId);
    const freshness = new TimelineFreshness(connection, live, kept);
    live.join();
    expect(live.ready).toBe(false);
    expect(freshness.paused).toBe(true);
    expect(freshness.asOf).toBe(asOf);
    // The service is back: the rejoin's snapshot ends the pause.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(live.ready).toBe(true);
    expect(freshness.paused).toBe(false);
    live.dispose();
  });
});
