import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MyAvailability from '../../client/src/teacher/MyAvailability.svelte';
import type { MyAvailabilityView } from '../../protocol/admin.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

const PATH = `/teacher/events/${event.id}/availability`;
const date = '2026-11-30';

function mine(open: boolean): MyAvailabilityView {
  return {
    eventId: event.id,
    timeZone: 'Europe/London',
    deadlineAt: open ? '2026-11-29T17:00:00.000Z' : null,
    open,
    hours: { startsAt: '2026-11-30T16:00:00.000Z', endsAt: '2026-11-30T19:00:00.000Z' },
    availability: {
      teacherId: '00000000-0000-4000-8000-0000000000a1',
      displayName: 'Ms Khan',
      room: 'B12',
      windows: [{ date, from: '16:00', to: '19:00' }],
      breaks: [],
      slotMinutes: 5,
    },
  };
}

describe('a teacher’s own availability editor', () => {
  it('says the admin’s limits and saves the changed window and a break', async () => {
    const { api, calls } = adminApi({
      [`GET ${PATH}`]: () => ({ ok: true, data: mine(true) }),
      [`PUT ${PATH}`]: () => ({
        ok: true,
        data: {
          availability: mine(true).availability,
          slots: { created: 0, removed: 15, kept: 21, blocked: 0 },
          version: 7,
        },
      }),
    });
    render(MyAvailability, { api, event });
    expect((await screen.findByText(/Within the evening’s hours, 16:00–19:00/)).textContent).toMatch(
      /can change your times until/,
    );
    const to = screen.getByLabelText('To') as HTMLInputElement;
    await fireEvent.input(to, { target: { value: '18:00' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add break' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save my times' }));
    await expect.poll(() => calls.some((c) => c.method === 'PUT')).toBe(true);
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      room: 'B12',
      windows: [{ date, from: '16:00', to: '18:00' }],
      breaks: [{ date, from: '17:30', to: '17:45' }],
    });
    expect((await screen.findByRole('status')).textContent).toContain('15 removed');
  });

  it('lists the booked appointments a refused change would take away', async () => {
    const { api } = adminApi({
      [`GET ${PATH}`]: () => ({ ok: true, data: mine(true) }),
      [`PUT ${PATH}`]: () => ({
        ok: false,
        error: {
          code: 'bookings_in_the_way',
          message:
            'This change would remove 2 booked appointments: ask an admin to move those families first.',
          issues: [
            { path: 'bookings.b1', message: `${date} 18:30–18:35` },
            { path: 'bookings.b2', message: `${date} 18:40–18:45` },
          ],
        },
      }),
    });
    render(MyAvailability, { api, event });
    await fireEvent.click(await screen.findByRole('button', { name: 'Save my times' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('ask an admin');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      `${date} 18:30–18:35`,
      `${date} 18:40–18:45`,
    ]);
  });

  it('is read-only once only admins may change it', async () => {
    const { api, calls } = adminApi({ [`GET ${PATH}`]: () => ({ ok: true, data: mine(false) }) });
    render(MyAvailability, { api, event });
    expect(await screen.findByText(/Only the school’s admins can change your times now/)).toBeTruthy();
    const save = screen.getByRole('button', { name: 'Save my times' }) as HTMLButtonElement;
    expect(save.closest('fieldset')!.disabled).toBe(true);
    await fireEvent.click(save);
    expect(calls.map((c) => c.method)).toEqual(['GET']);
  });
});
