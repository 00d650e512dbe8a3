import { render, screen } from '@testing-library/svelte';
import type { ComponentProps } from 'svelte';
import { describe, expect, it } from 'vitest';
import BookingModeForm from '../../client/src/admin/fairness/BookingModeForm.svelte';
import Reports from '../../client/src/admin/Reports.svelte';
import BookingLog from '../../client/src/admin/school/BookingLog.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { LiveSocket } from '../../client/src/parent/fairness/live-socket.ts';
import QueuePanel from '../../client/src/parent/fairness/QueuePanel.svelte';
import ServiceMessageBanner from '../../client/src/shared/ServiceMessageBanner.svelte';
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

  it('the queue panel leaves the old event’s line and listens on the socket it is given now', async () => {
    const ticket = (eventId: string, position: number): Ack<unknown> => ({
      ok: true,
      data: { eventId, admitted: false, position, estimatedWaitSeconds: 60 },
    });
    const metered = (eventId: string): Ack<unknown> => ({ ok: true, data: { eventId, queueLimit: 100 } });
    const { api, calls } = adminApi({
      [`GET /events/${event.id}/fair-start`]: () => metered(event.id),
      [`POST /events/${event.id}/queue`]: () => ticket(event.id, 7),
      [`DELETE /events/${event.id}/queue`]: () => ticket(event.id, 0),
      [`GET /events/${other.id}/fair-start`]: () => metered(other.id),
      [`POST /events/${other.id}/queue`]: () => ticket(other.id, 3),
      [`DELETE /events/${other.id}/queue`]: () => ticket(other.id, 0),
    });
    const first = listeningSocket();
    const second = listeningSocket();
    const { rerender } = render(QueuePanel, { api, socket: first.socket, announcer: new Announcer(), event });
    await expect.poll(() => screen.queryByTestId('queue')?.textContent ?? '').toContain('number 7 in line');
    await rerender({ event: other, socket: second.socket });
    await expect.poll(() => screen.queryByTestId('queue')?.textContent ?? '').toContain('number 3 in line');
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /events/${event.id}/fair-start`,
      `POST /events/${event.id}/queue`,
      `DELETE /events/${event.id}/queue`,
      `GET /events/${other.id}/fair-start`,
      `POST /events/${other.id}/queue`,
    ]);
    expect(first.listening()).toBe(0);
    second.emit('queue:position', { eventId: other.id, position: 2, estimatedWaitSeconds: 30 });
    await expect.poll(() => screen.getByTestId('queue').textContent).toContain('number 2 in line');
  });

  it('the service banner shows the messages for the session it is given now', async () => {
    const at = new Date(Date.UTC(2026, 10, 30, 9, 0)).toISOString();
    const message = (schoolId: string, body: string) => ({
      id: crypto.randomUUID(),
      schoolId,
      schoolName: null,
      body,
      postedAt: at,
      updatedAt: at,
      endedAt: null,
    });
    const { api } = adminApi({
      'GET /service-messages': () => ({
        ok: true,
        data: {
          messages: [
            message('school-a', 'Hillside opens at 19:30'),
            message('school-b', 'Riverside opens at 18:00'),
          ],
        },
      }),
    });
    const session = (schoolId: string) => {
      const live = listeningSocket();
      // Already connected: the listener is called at once.
      const onConnect = (fn: () => void) => {
        fn();
        return () => {};
      };
      const connection = { socket: live.socket, onConnect };
      const me = { kind: 'family', school: { id: schoolId, timeZone: 'Europe/London' } };
      return {
        live,
        ctx: { api, connection, me } as unknown as ComponentProps<typeof ServiceMessageBanner>['ctx'],
      };
    };
    const a = session('school-a');
    const b = session('school-b');
    const { rerender } = render(ServiceMessageBanner, { ctx: a.ctx });
    await expect
      .poll(() => screen.getByTestId('service-messages').textContent)
      .toContain('Hillside opens at 19:30');
    await rerender({ ctx: b.ctx });
    await expect
      .poll(() => screen.getByTestId('service-messages').textContent)
      .toContain('Riverside opens at 18:00');
    expect(screen.getByTestId('service-messages').textContent).not.toContain('Hillside');
    expect(a.live.listening()).toBe(0);
  });
});

/** A socket double that counts its listeners; the test plays the server's part. */
function listeningSocket() {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const socket = {
    on(name: string, fn: (p: unknown) => void) {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)!.add(fn);
      return socket;
    },
    off(name: string, fn: (p: unknown) => void) {
      handlers.get(name)?.delete(fn);
      return socket;
    },
  };
  return {
    socket: socket as unknown as LiveSocket,
    emit: (name: string, payload: unknown) => {
      for (const fn of handlers.get(name) ?? []) fn(payload);
    },
    listening: () => [...handlers.values()].reduce((n, set) => n + set.size, 0),
  };
}
