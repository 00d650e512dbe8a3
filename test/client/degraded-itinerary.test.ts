import { render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { createApi } from '../../client/src/lib/api.ts';
import { FamilyBookings, keptEvent } from '../../client/src/parent/family-bookings.svelte.ts';
import Itinerary from '../../client/src/parent/Itinerary.svelte';
import type { BookingView } from '../../protocol/schemas.ts';
import { booking, event, itineraryProps, slot } from './fixtures/grid-data.ts';

// 19:04 in London (GMT in November): the time the banner must give.
const AT_1904 = Date.UTC(2026, 10, 30, 19, 4, 30);

/** A server that answers the family's bookings, or 503 `unavailable` while it is "down". */
function server() {
  const state = { down: false, bookings: [] as BookingView[], reads: 0 };
  const fetch = (async (input: RequestInfo | URL) => {
    expect(String(input)).toBe(`/api/v1/events/${event.id}/bookings/mine`);
    state.reads++;
    if (state.down)
      return new Response(
        JSON.stringify({ error: { code: 'unavailable', message: 'The service is busy.', retryAfter: 2 } }),
        { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '2' } },
      );
    return new Response(JSON.stringify({ bookings: state.bookings }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { state, api: createApi({ token: () => 'tok', fetch, retries: 0 }) };
}

const familyOf = (api: ReturnType<typeof server>['api'], familyId: string) =>
  new FamilyBookings(api, event, new Announcer(), (s) => `slot ${s.startsAt}`, undefined, {
    storage: sessionStorage,
    familyId,
  });

// With PostgreSQL or Redis down, the family's page showed nothing at all,
// not even the appointments it already had, on the evening itself.
describe('degraded mode: the itinerary survives a 503', () => {
  beforeEach(() => {
    sessionStorage.clear();
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(AT_1904);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('keeps the last list the server sent, through a reload, with the banner; resyncs by itself when the service is back', async () => {
    const { state, api } = server();
    const mine = booking(slot('t1', 1), 'confirmed');
    state.bookings = [mine];
    const first = familyOf(api, 'fam');
    await first.refresh();
    expect(first.unreachable).toBe(false);

    // The service goes down, and the parent reloads the tab.
    state.down = true;
    vi.setSystemTime(AT_1904 + 10 * 60_000);
    const family = familyOf(api, 'fam');
    await family.refresh();
    expect(family.unreachable).toBe(true);
    expect(family.bookings.map((b) => b.id)).toEqual([mine.id]);

    render(
      Itinerary,
      itineraryProps(family.bookings, { api, paused: family.unreachable, asOf: family.asOf }),
    );
    expect(screen.getByTestId('degraded-banner').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Booking is paused for a moment; your appointments below are as of 19:04.',
    );
    expect(screen.getByRole('status').textContent).toContain('19:04');
    expect(screen.getAllByTestId('itinerary-item')).toHaveLength(1);
    expect(screen.getByText('Mr Smith')).toBeTruthy();
    // No Change or Cancel that could only fail while paused.
    expect(screen.queryByRole('button', { name: 'Change' })).toBeNull();

    // Back: the page reads again by itself (no reload, no socket event) and takes the server's list.
    const later = booking(slot('t2', 3), 'confirmed');
    state.bookings = [mine, later];
    state.down = false;
    const readsBefore = state.reads;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(state.reads).toBeGreaterThan(readsBefore);
    expect(family.unreachable).toBe(false);
    expect(family.bookings.map((b) => b.id)).toEqual([mine.id, later.id]);
    family.dispose();
  });

  it('keeps reading again, less and less often, while the service stays down', async () => {
    // Jitter in the middle: waits of exactly 5 s, then 10 s.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { state, api } = server();
    state.down = true;
    const family = familyOf(api, 'fam');
    await family.refresh();
    expect(state.reads).toBe(1);
    await vi.advanceTimersByTimeAsync(7_000);
    expect(state.reads).toBe(2);
    // The second wait is 10 s: not yet after 7 s more.
    await vi.advanceTimersByTimeAsync(7_000);
    expect(state.reads).toBe(2);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(state.reads).toBe(3);
    family.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.reads).toBe(3);
  });

  it('never shows one family’s kept appointments to another signing in on the same tab', async () => {
    const { state, api } = server();
    state.bookings = [booking(slot('t1', 1), 'confirmed')];
    await familyOf(api, 'fam').refresh();
    state.down = true;
    const other = familyOf(api, 'other-family');
    expect(other.bookings).toEqual([]);
    expect(other.asOf).toBeNull();
    // The evening is kept too, for a page loaded while the service is away; per family.
    expect(keptEvent(sessionStorage, 'fam')?.id).toBe(event.id);
    expect(keptEvent(sessionStorage, 'other-family')).toBeNull();
    other.dispose();
  });
});
