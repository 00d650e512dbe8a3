import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import BookingModeForm from '../../client/src/admin/fairness/BookingModeForm.svelte';
import Reports from '../../client/src/admin/Reports.svelte';
import BookingLog from '../../client/src/admin/school/BookingLog.svelte';
import type { Ack } from '../../protocol/errors.ts';
import type { FairStartStatusView } from '../../protocol/fairness.ts';
import type { EventView } from '../../protocol/schemas.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

// A component is given new props by its parent without being mounted again (Svelte 5
// keeps the instance): what it shows and what it reads must follow them.
const other: EventView = { ...event, id: '00000000-0000-4000-8000-0000000000e2', name: 'Spring evening' };

const emptyLog = (eventId: string): Ack<unknown> => ({
  ok: true,
  data: { eventId, archived: eventId === other.id, entries: [] },
});

describe('components follow their props', () => {
  it('the booking log names and reads the event it is given now', async () => {
    const { api, calls } = adminApi({
      [`GET /admin/events/${event.id}/log`]: () => emptyLog(event.id),
      [`GET /admin/events/${other.id}/log`]: () => emptyLog(other.id),
    });
    const { rerender } = render(BookingLog, { api, event, timeZone: event.timeZone });
    expect((await screen.findByRole('heading', { level: 2 })).textContent).toBe('Booking log: Test evening');
    await rerender({ event: other });
    await expect
      .poll(() => screen.getByRole('heading', { level: 2 }).textContent)
      .toBe('Booking log: Spring evening (archived)');
    expect(calls.map((c) => c.path)).toEqual([
      `/admin/events/${event.id}/log`,
      `/admin/events/${other.id}/log`,
    ]);
  });

  it('a late answer for the event left behind does not replace the new one', async () => {
    let answerFirst: (a: Ack<unknown>) => void = () => {};
    const first = new Promise<Ack<unknown>>((resolve) => {
      answerFirst = resolve;
    });
    const report = (name: string): Ack<unknown> => ({
      ok: true,
      data: {
        eventId: other.id,
        byTeacher: [{ teacherId: 't1', displayName: name, room: 'Room 1', students: [] }],
        byYearGroup: [],
      },
    });
    const { api } = adminApi({
      [`GET /admin/events/${other.id}/reports/unbooked`]: () => report('Mr Now'),
    });
    const get = api.get;
    api.get = <T>(path: string) => (path.includes(event.id) ? (first as Promise<Ack<T>>) : get<T>(path));
    const { rerender } = render(Reports, { api, event });
    await rerender({ event: other });
    expect(await screen.findByRole('rowheader', { name: 'Mr Now' })).toBeTruthy();
    answerFirst(report('Mr Then'));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('rowheader', { name: 'Mr Then' })).toBeNull();
    expect(screen.getByRole('rowheader', { name: 'Mr Now' })).toBeTruthy();
  });

  it('the opening-mode form shows the settings it is given now (its fields start from them)', async () => {
    const { api } = adminApi({});
    const saved = (mode: 'fcfs' | 'fair_start', queueLimit: number | null, offerMinutes: number) =>
      ({ mode, queueLimit, offerMinutes }) as FairStartStatusView;
    const later = { ...event, bookingOpensAt: new Date(Date.now() + 86_400_000).toISOString() };
    const { rerender } = render(BookingModeForm, {
      api,
      event: later,
      status: saved('fcfs', null, 15),
      onsaved: () => {},
    });
    const fair = screen.getByRole('radio', { name: /Fair start/ }) as HTMLInputElement;
    expect(fair.checked).toBe(false);
    await rerender({ status: saved('fair_start', 300, 20) });
    expect(fair.checked).toBe(true);
    expect((screen.getByRole('checkbox', { name: 'Virtual queue' }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('spinbutton', { name: /many families/ }) as HTMLInputElement).value).toBe('300');
    expect((screen.getByRole('spinbutton', { name: /offer stands for/ }) as HTMLInputElement).value).toBe(
      '20',
    );
  });
});
