import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import AvailabilityEditor from '../../client/src/admin/AvailabilityEditor.svelte';
import type { TeacherAvailabilityView } from '../../protocol/admin.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

const T = '00000000-0000-4000-8000-0000000000a1';
const PUT = `PUT /admin/events/${event.id}/teachers/${T}/availability`;
const date = '2026-11-30';
const teacher: TeacherAvailabilityView = {
  teacherId: T,
  displayName: 'Ms Khan',
  room: 'B12',
  windows: [{ date, from: '16:00', to: '19:00' }],
  breaks: [],
  slotMinutes: 5,
};

describe('slot length per teacher in the availability editor', () => {
  it('lists the appointments a new length would move and moves them only when confirmed', async () => {
    const { api, calls } = adminApi({
      [`GET /admin/events/${event.id}/availability`]: () => ({
        ok: true,
        data: { eventId: event.id, timeZone: 'Europe/London', teachers: [teacher] },
      }),
      'GET /admin/staff': () => ({ ok: true, data: { staff: [] } }),
      [PUT]: (body) =>
        (body as { confirmMoves?: boolean }).confirmMoves
          ? {
              ok: true,
              data: {
                availability: { ...teacher, slotMinutes: 10 },
                slots: { created: 16, removed: 34, kept: 0, blocked: 0, moved: 2 },
                version: 9,
              },
            }
          : {
              ok: false,
              error: {
                code: 'bookings_in_the_way',
                message:
                  'The new slot length moves 2 held or booked appointments; the families are told by e-mail. Confirm to move them.',
                issues: [
                  { path: 'bookings.b1', message: `${date} 16:05–16:10 → 16:00–16:10` },
                  { path: 'bookings.b2', message: `${date} 16:30–16:35 → 16:30–16:40` },
                ],
              },
            },
    });
    render(AvailabilityEditor, { api, event });
    const length = (await screen.findByLabelText('Slot length (minutes)')) as HTMLInputElement;
    expect(length.value).toBe('5');
    await fireEvent.input(length, { target: { value: '10' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save and generate slots' }));
    const alert = await screen.findByRole('alert');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      `${date} 16:05–16:10 → 16:00–16:10`,
      `${date} 16:30–16:35 → 16:30–16:40`,
    ]);
    const puts = () => calls.filter((c) => c.method === 'PUT');
    expect(puts()).toHaveLength(1);
    expect(puts()[0]!.body).toMatchObject({ slotMinutes: 10 });
    expect(puts()[0]!.body).not.toHaveProperty('confirmMoves');
    await fireEvent.click(screen.getByRole('button', { name: 'Move these 2 appointments and save' }));
    await expect.poll(() => puts().length).toBe(2);
    expect(puts()[1]!.body).toMatchObject({ slotMinutes: 10, confirmMoves: true });
    expect((await screen.findByRole('status')).textContent).toContain('2 appointments moved');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
