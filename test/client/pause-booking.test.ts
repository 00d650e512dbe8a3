import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PauseBooking from '../../client/src/admin/PauseBooking.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { EventPauseView } from '../../protocol/pause.ts';
import { adminApi } from './fixtures/admin-api.ts';

const eventId = '11111111-1111-4111-8111-111111111111';
const path = `/admin/events/${eventId}/pause`;
const running: EventPauseView = { eventId, own: null, effective: null };
const pause = { message: 'Back at 19:30.', since: '2026-12-02T19:04:00.000Z', by: 'school' as const };

describe("the live console's pause control", () => {
  it('pauses with the message typed, shows since when and what families see, then resumes', async () => {
    const { api, calls } = adminApi({
      [`GET ${path}`]: () => ({ ok: true, data: running }),
      [`PUT ${path}`]: () => ({ ok: true, data: { eventId, own: pause, effective: pause } }),
      [`DELETE ${path}`]: () => ({ ok: true, data: running }),
    });
    const announcer = new Announcer();
    render(PauseBooking, { api, announcer, eventId, timeZone: 'Europe/London' });
    const button = await screen.findByRole('button', { name: 'Pause booking' });
    // Nothing to tell families yet: no pause without a message.
    expect((button as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/Message for families/), {
      target: { value: 'Back at 19:30.' },
    });
    await fireEvent.click(button);
    expect(calls.at(-1)).toEqual({ method: 'PUT', path, body: { message: 'Back at 19:30.' } });
    const form = screen.getByTestId('pause-booking');
    await screen.findByRole('button', { name: 'Resume booking' });
    expect(form.textContent).toContain('Paused since 19:04.');
    expect(form.textContent).toContain('Back at 19:30.');
    expect(announcer.polite).toContain('Booking is paused');
    await fireEvent.click(screen.getByRole('button', { name: 'Resume booking' }));
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path });
    await screen.findByRole('button', { name: 'Pause booking' });
    expect(announcer.polite).toContain('Booking has resumed.');
  });

  it("says when the operator has paused every school, whatever the event's own state", async () => {
    const { api } = adminApi({
      [`GET ${path}`]: () => ({
        ok: true,
        data: { eventId, own: null, effective: { ...pause, message: 'Maintenance.', by: 'operator' } },
      }),
    });
    render(PauseBooking, { api, announcer: new Announcer(), eventId, timeZone: 'Europe/London' });
    expect((await screen.findByText(/operator paused booking for every school/)).textContent).toContain(
      'Maintenance.',
    );
  });
});
