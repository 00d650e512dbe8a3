import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { EventLive } from '../../client/src/lib/event-live.svelte.ts';
import type { LiveConnection } from '../../client/src/lib/live-connection.svelte.ts';
import PausedBanner from '../../client/src/parent/PausedBanner.svelte';
import type { Ack } from '../../protocol/errors.ts';
import type { EventPaused, PauseState } from '../../protocol/pause.ts';
import type { AvailabilitySnapshot } from '../../protocol/schemas.ts';

const eventId = '11111111-1111-4111-8111-111111111111';
const pause: PauseState = {
  message: 'A teacher is stuck in traffic; booking resumes at 19:30.',
  since: '2026-12-02T19:04:00.000Z',
  by: 'school',
};

/** A socket double: answers `event:join` with the snapshot and lets the test send `event:paused`. */
function connectionWith(snapshot: AvailabilitySnapshot) {
  const handlers = new Map<string, (payload: EventPaused) => void>();
  const socket = {
    connected: true,
    on: (name: string, fn: (payload: EventPaused) => void) => handlers.set(name, fn),
    off: (name: string) => handlers.delete(name),
    emit: () => {},
    timeout: () => ({
      emit: (_e: string, _p: unknown, ack: (err: Error | null, res: Ack<AvailabilitySnapshot>) => void) =>
        ack(null, { ok: true, data: snapshot }),
    }),
  };
  return {
    connection: { socket, onConnect: () => () => {} } as unknown as LiveConnection,
    send: (payload: EventPaused) => handlers.get('event:paused')?.(payload),
  };
}

describe("the parent page's pause banner", () => {
  it('shows the message and since when (school time) while paused, and nothing when booking runs', () => {
    const { unmount } = render(PausedBanner, { paused: pause, timeZone: 'Europe/London' });
    const banner = screen.getByTestId('paused-banner');
    expect(banner.getAttribute('role')).toBe('status');
    expect(banner.textContent).toContain('Booking is paused since 19:04.');
    expect(banner.textContent).toContain(pause.message);
    unmount();
    render(PausedBanner, { paused: null, timeZone: 'Europe/London' });
    expect(screen.getByTestId('paused-banner').textContent?.trim()).toBe('');
  });

  it('says when the operator paused every school', () => {
    render(PausedBanner, { paused: { ...pause, by: 'operator' }, timeZone: 'Europe/London' });
    expect(screen.getByTestId('paused-banner').textContent).toContain(
      'Booking is paused for every school since 19:04.',
    );
  });

  it('takes the pause from the snapshot (a page opened later) and follows event:paused live', () => {
    const { connection, send } = connectionWith({
      eventId,
      version: 1,
      teachers: [],
      slots: [],
      paused: pause,
    });
    const live = new EventLive(connection, eventId);
    expect(live.paused).toBeNull();
    live.join();
    expect(live.paused).toEqual(pause);
    send({ eventId, paused: null });
    expect(live.paused).toBeNull();
    // Another event's news is not this page's.
    send({ eventId: '99999999-9999-4999-8999-999999999999', paused: pause });
    expect(live.paused).toBeNull();
    send({ eventId, paused: { ...pause, by: 'operator' } });
    expect(live.paused?.by).toBe('operator');
    live.dispose();
  });
});
