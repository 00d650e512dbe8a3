import { render } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import HoldTray from '../../client/src/parent/HoldTray.svelte';
import { booking, event, gridWorld, scriptedApi, slot } from './fixtures/grid-data.ts';

/** Every moment says what happened, once, politely. */
describe('what the parent is told', () => {
  it('the hold countdown is announced at 60, 30 and 10 seconds, not every second, and the ticking text is not a live region', () => {
    const clock = new Clock();
    const start = Date.now();
    clock.now = start;
    const hold = booking(slot('t1', 0), 'held', 'kid', {
      expiresAt: new Date(start + 120_000).toISOString(),
    });
    const announcer = new Announcer();
    const heard: string[] = [];
    const { container } = render(HoldTray, {
      holds: [hold],
      event,
      clock,
      busy: false,
      onconfirm: () => {},
      onextend: () => {},
      onrelease: () => {},
      announcer,
    });
    let last = announcer.polite;
    for (let s = 1; s <= 119; s++) {
      clock.now = start + s * 1000;
      flushSync();
      if (announcer.polite !== last) heard.push(announcer.polite.replace('\u200b', ''));
      last = announcer.polite;
    }
    expect(heard).toEqual([
      'Your hold on 16:00 with Mr Smith runs out in 60 seconds. Choose “More time” to keep it.',
      'Your hold on 16:00 with Mr Smith runs out in 30 seconds. Choose “More time” to keep it.',
      'Your hold on 16:00 with Mr Smith runs out in 10 seconds. Choose “More time” to keep it.',
    ]);
    // Nothing in the tray is live: a screen reader would read every tick of it.
    expect(container.querySelector('[role="status"], [aria-live], [role="alert"]')).toBeNull();
  });

  it('a hold that ran out says whether its time is still free, and "it has been taken" once someone else has it', () => {
    const s = slot('t1', 0, 'held', { heldUntil: new Date(Date.now() + 1000).toISOString() });
    const w = gridWorld([s]);
    const hold = booking(s, 'held', 'kid', { expiresAt: s.heldUntil });
    w.family.bookings = [hold];
    const now = Date.now() + 2000;
    w.family.dropLapsed(now);
    expect(w.announcer.polite).toBe(
      'Your hold on slot 2026-11-30T16:00:00.000Z ran out — it is still free: hold again.',
    );
    w.map.set(s.id, { ...s, state: 'booked', heldUntil: null });
    expect(w.family.lapsedText(w.family.lapsed!, now)).toBe(
      'Your hold on slot 2026-11-30T16:00:00.000Z ran out — it has been taken.',
    );
  });

  it('a move and a cancel made by the school are told when the itinerary changes; the family’s own cancel is not news', async () => {
    const a = slot('t1', 0, 'booked');
    const b = slot('t2', 2, 'booked');
    const c = slot('t2', 4, 'booked');
    const mineA = booking(a, 'confirmed');
    const mineB = booking(b, 'confirmed');
    let list = [mineA, mineB];
    const { api } = scriptedApi({
      [`GET /events/${event.id}/bookings/mine`]: () => ({ ok: true, data: { bookings: list } }),
      [`POST /bookings/${mineA.id}/cancel`]: () => ({ ok: true, data: { ...mineA, status: 'cancelled' } }),
    });
    const w = gridWorld([a, b, c], api);
    await w.family.refresh();
    expect(w.family.message).toBeNull();

    // The school moves Ms Jones from 16:10 to 16:20 (same booking, new slot).
    list = [mineA, { ...mineB, slotId: c.id, startsAt: c.startsAt, endsAt: c.endsAt }];
    await w.family.refresh();
    expect(w.announcer.polite.replace('\u200b', '')).toBe(
      'The school moved your appointment with Ms Jones (Oliver) to 16:20 (it was 16:10).',
    );
    expect(w.family.message?.text).toBe(w.announcer.polite.replace('\u200b', ''));

    // The school cancels Mr Smith.
    list = [{ ...mineA, status: 'cancelled' }, list[1]!];
    await w.family.refresh();
    expect(w.announcer.polite.replace('\u200b', '')).toBe(
      'The school cancelled your appointment with Mr Smith (Oliver) at 16:00.',
    );

    // The family cancels; the socket's itinerary:changed can overtake the HTTP answer.
    list = [mineA, list[1]!];
    await w.family.refresh();
    w.family.message = null;
    const cancelling = w.family.cancel(mineA);
    list = [{ ...mineA, status: 'cancelled' }, list[1]!];
    await w.family.refresh();
    await cancelling;
    expect(w.family.message).toEqual({ kind: 'ok', text: 'Cancelled slot 2026-11-30T16:00:00.000Z.' });
  });
});
