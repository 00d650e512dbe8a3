import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import EventEditor from '../../client/src/admin/EventEditor.svelte';
import type { EventView } from '../../protocol/schemas.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

const LABEL = /Teachers may set their own times until/;

describe('the event editor’s deadline for teachers', () => {
  it('sends the deadline as an instant in the school’s zone, and blank as admins only', async () => {
    const { api, calls } = adminApi({
      [`PATCH /admin/events/${event.id}`]: (body) => ({ ok: true, data: { ...event, ...(body as object) } }),
    });
    render(EventEditor, { api, timeZone: 'Europe/London', event, onsaved: () => {} });
    const field = screen.getByLabelText(LABEL) as HTMLInputElement;
    expect(field.value).toBe('');
    await fireEvent.input(field, { target: { value: '2026-11-27T17:00' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await expect.poll(() => calls.length).toBe(1);
    expect((calls[0]!.body as EventView).availabilityDeadlineAt).toBe('2026-11-27T17:00:00.000Z');

    await fireEvent.input(field, { target: { value: '' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await expect.poll(() => calls.length).toBe(2);
    expect((calls[1]!.body as EventView).availabilityDeadlineAt).toBeNull();
  });

  it('is not offered when creating an event (its hours come from its slots)', async () => {
    const { api, calls } = adminApi({
      'POST /admin/events': () => ({ ok: true, data: event }),
    });
    render(EventEditor, { api, timeZone: 'Europe/London', event: null, onsaved: () => {} });
    expect(screen.queryByLabelText(LABEL)).toBeNull();
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Year 9' } });
    await fireEvent.input(screen.getByLabelText('Booking opens'), { target: { value: '2026-11-20T09:00' } });
    await fireEvent.input(screen.getByLabelText('Booking closes'), { target: { value: '2026-11-30T12:00' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create event' }));
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]!.body).not.toHaveProperty('availabilityDeadlineAt');
  });
});
