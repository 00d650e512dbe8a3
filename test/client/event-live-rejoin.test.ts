import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLive } from '../../client/src/lib/event-live.svelte.ts';
import type { LiveConnection } from '../../client/src/lib/live-connection.svelte.ts';
import type { Ack } from '../../protocol/errors.ts';
import type { AvailabilitySnapshot } from '../../protocol/schemas.ts';

const eventId = '11111111-1111-4111-8111-111111111111';
const snapshot: AvailabilitySnapshot = {
  eventId,
  version: 7,
  teachers: [{ id: '22222222-2222-4222-8222-222222222222', displayName: 'Ms A', room: 'B1' }],
  slots: [
    {
      id: '33333333-3333-4333-8333-333333333333',
      teacherId: '22222222-2222-4222-8222-222222222222',
      startsAt: '2026-12-02T16:00:00.000Z',
      endsAt: '2026-12-02T16:05:00.000Z',
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

/** A socket double that answers `event:join` from a script: the unit is EventLive's reaction. */
function scriptedConnection(answers: Ack<AvailabilitySnapshot>[]) {
  const joins: number[] = [];
  const socket = {
    connected: true,
    on: () => {},
    off: () => {},
    emit: () => {},
    timeout: () => ({
      emit: (
        _event: string,
        _payload: unknown,
        ack: (err: Error | null, res: Ack<AvailabilitySnapshot>) => void,
      ) => {
        joins.push(Date.now());
        ack(null, answers.shift()!);
      },
    }),
  };
  return { connection: { socket, onConnect: () => () => {} } as unknown as LiveConnection, joins };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the live event after a refused snapshot', () => {
  it('asks again after the time the server named, growing, until the snapshot comes (it gave up before)', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { connection, joins } = scriptedConnection([
      unavailable,
      unavailable,
      { ok: true, data: snapshot },
    ]);
    const live = new EventLive(connection, eventId);
    live.join();
    expect(live.ready).toBe(false);
    expect(live.error).toBe('Confer is busy for a moment.');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(joins).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(joins).toHaveLength(2);
    // The second refusal doubles the wait: 4 s.
    await vi.advanceTimersByTimeAsync(3_999);
    expect(joins).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(joins).toHaveLength(3);
    expect(live.ready).toBe(true);
    expect(live.error).toBeNull();
    expect(live.slots.size).toBe(1);
    live.dispose();
  });

  it('does not ask again after a refusal that will not pass (not found)', async () => {
    vi.useFakeTimers();
    const { connection, joins } = scriptedConnection([
      { ok: false, error: { code: 'not_found', message: 'Not found.' } },
    ]);
    const live = new EventLive(connection, eventId);
    live.join();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(joins).toHaveLength(1);
    expect(live.error).toBe('Not found.');
    live.dispose();
  });
});
