import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import HoldTray from '../../client/src/parent/HoldTray.svelte';
import { booking, event, gridWorld, scriptedApi, slot } from './fixtures/grid-data.ts';

describe('hold countdown', () => {
  it('counts down from the hold length, warns near the end, and offers more time', async () => {
    const clock = new Clock();
    const start = Date.now();
    clock.now = start;
    const s = slot('t1', 0);
    const hold = booking(s, 'held', 'kid', { expiresAt: new Date(start + 120_000).toISOString() });
    const onextend = vi.fn();
    render(HoldTray, {
      holds: [hold],
      event,
      clock,
      busy: false,
      onconfirm: () => {},
      onextend,
      onrelease: () => {},
    });
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('2:00 left');
    expect(screen.queryByText(/A hold runs out in/)).toBeNull();
    clock.now = start + 95_000;
    flushSync();
    expect(screen.getByTestId('countdown').textContent?.trim()).toBe('0:25 left');
    expect(screen.getByText(/A hold runs out in/).textContent).toContain('A hold runs out in 0:25');
    await fireEvent.click(screen.getByRole('button', { name: 'More time' }));
    expect(onextend).toHaveBeenCalledWith(hold);
    expect(screen.getByRole('button', { name: 'Confirm my appointments (1)' })).toBeTruthy();
  });

  it('extending a hold asks the server for more time on the same hold', async () => {
    const s = slot('t1', 0);
    const hold = booking(s, 'held', 'kid', {
      id: 'h1',
      expiresAt: new Date(Date.now() + 10_000).toISOString(),
    });
    const later = new Date(Date.now() + 120_000).toISOString();
    const { api, calls } = scriptedApi({
      'POST /holds/h1/extend': () => ({ ok: true, data: { ...hold, expiresAt: later } }),
    });
    const w = gridWorld([s], api);
    w.family.bookings = [hold];
    expect(await w.family.extend(w.family.holds[0]!)).toBe(true);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /holds/h1/extend']);
    expect(w.family.holds.map((h) => [h.id, h.expiresAt])).toEqual([['h1', later]]);
    expect(w.announcer.polite).toContain('extended');
  });

  it('a hold that can be extended no more says so', async () => {
    const s = slot('t1', 0);
    const hold = booking(s, 'held', 'kid', {
      id: 'h2',
      expiresAt: new Date(Date.now() + 10_000).toISOString(),
    });
    const { api } = scriptedApi({
      'POST /holds/h2/extend': () => ({
        ok: false,
        error: {
          code: 'cap_reached',
          message: 'This hold cannot be extended again. Confirm it or let it go.',
        },
      }),
    });
    const w = gridWorld([s], api);
    w.family.bookings = [hold];
    expect(await w.family.extend(w.family.holds[0]!)).toBe(false);
    expect(w.family.message?.kind).toBe('error');
  });

  it('a hold that runs out is dropped locally and the family is told', () => {
    const s = slot('t1', 0);
    const w = gridWorld([s]);
    const hold = booking(s, 'held', 'kid', { expiresAt: new Date(Date.now() + 1000).toISOString() });
    w.family.bookings = [hold];
    w.family.dropLapsed(Date.now() + 2000);
    expect(w.family.holds).toHaveLength(0);
    expect(w.family.lapsed?.id).toBe(hold.id);
    expect(w.announcer.polite).toMatch(/^Your hold on slot 2026-11-30T16:00:00.000Z ran out — /);
  });
});
