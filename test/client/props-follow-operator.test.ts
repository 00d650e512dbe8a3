import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PauseBooking from '../../client/src/admin/PauseBooking.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import TrafficTable from '../../client/src/operator/TrafficTable.svelte';
import type { Ack } from '../../protocol/errors.ts';
import type { EventPauseView } from '../../protocol/pause.ts';
import { adminApi } from './fixtures/admin-api.ts';

// A component is given new props by its parent without being mounted again (Svelte 5
// keeps the instance): what it shows, reads and calls must follow them.
const first = '11111111-1111-4111-8111-111111111111';
const second = '22222222-2222-4222-8222-222222222222';
const pausedBy = (message: string) => ({ message, since: '2026-12-02T19:04:00.000Z', by: 'school' as const });
const paused = (eventId: string, message: string): Ack<EventPauseView> => ({
  ok: true,
  data: { eventId, own: pausedBy(message), effective: pausedBy(message) },
});

describe('pause and operator components follow their props', () => {
  it('the pause control reads, shows and changes the event it is given now', async () => {
    const { api, calls } = adminApi({
      [`GET /admin/events/${first}/pause`]: () => paused(first, 'Back at 19:30.'),
      [`GET /admin/events/${second}/pause`]: () => ({
        ok: true,
        data: { eventId: second, own: null, effective: null },
      }),
      [`PUT /admin/events/${second}/pause`]: () => paused(second, 'Fire drill.'),
    });
    const { rerender } = render(PauseBooking, {
      api,
      announcer: new Announcer(),
      eventId: first,
      timeZone: 'Europe/London',
    });
    await screen.findByRole('button', { name: 'Resume booking' });
    expect(screen.getByTestId('pause-booking').textContent).toContain('Back at 19:30.');
    await rerender({ eventId: second });
    // The second event is running: the form offers to pause it, not to resume the first.
    const pause = await screen.findByRole('button', { name: 'Pause booking' });
    expect(screen.getByTestId('pause-booking').textContent).not.toContain('Back at 19:30.');
    await fireEvent.input(screen.getByLabelText(/Message for families/), {
      target: { value: 'Fire drill.' },
    });
    await fireEvent.click(pause);
    await screen.findByRole('button', { name: 'Resume booking' });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /admin/events/${first}/pause`,
      `GET /admin/events/${second}/pause`,
      `PUT /admin/events/${second}/pause`,
    ]);
  });

  it('a late answer for the event left behind does not replace the new one', async () => {
    let answerFirst: (a: Ack<unknown>) => void = () => {};
    const late = new Promise<Ack<unknown>>((resolve) => {
      answerFirst = resolve;
    });
    const { api } = adminApi({
      [`GET /admin/events/${second}/pause`]: () => ({
        ok: true,
        data: { eventId: second, own: null, effective: null },
      }),
    });
    const get = api.get;
    api.get = <T>(path: string) => (path.includes(first) ? (late as Promise<Ack<T>>) : get<T>(path));
    const { rerender } = render(PauseBooking, {
      api,
      announcer: new Announcer(),
      eventId: first,
      timeZone: 'Europe/London',
    });
    await rerender({ eventId: second });
    await screen.findByRole('button', { name: 'Pause booking' });
    answerFirst(paused(first, 'Back at 19:30.'));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('button', { name: 'Resume booking' })).toBeNull();
    expect(screen.getByTestId('pause-booking').textContent).not.toContain('Back at 19:30.');
  });

  it('an operator panel tells the sign-out handler it is given now', async () => {
    const { api } = adminApi({
      'GET /operator/overview': () => ({ ok: false, error: { code: 'forbidden', message: 'Forbidden.' } }),
    });
    const told: string[] = [];
    const { rerender } = render(TrafficTable, { api, onsignedout: () => told.push('old') });
    await expect.poll(() => told).toEqual(['old']);
    await rerender({ onsignedout: () => told.push('new') });
    await fireEvent.click(await screen.findByRole('button', { name: 'Refresh' }));
    await expect.poll(() => told).toEqual(['old', 'new']);
  });
});
