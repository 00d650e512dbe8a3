import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { booking, event, gridWorld, scriptedApi, slot } from './fixtures/grid-data.ts';
import ParentGridHarness from './fixtures/ParentGridHarness.svelte';

const cellOf = (container: HTMLElement, id: string) =>
  container.querySelector<HTMLElement>(`[data-slot="${id}"]`)!;

describe('parent grid', () => {
  it('shows every state in words, not colour alone, and times in the school zone', () => {
    const slots = [
      slot('t1', 0, 'free'),
      slot('t1', 1, 'held', { heldUntil: new Date(Date.now() + 60_000).toISOString() }),
      slot('t1', 2, 'booked'),
      slot('t1', 3, 'blocked'),
      slot('t2', 0, 'free'),
    ];
    const w = gridWorld(slots);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent?.trim())).toEqual([
      'Teacher',
      '16:00',
      '16:05',
      '16:10',
      '16:15',
    ]);
    expect(cellOf(container, 't1-s0').textContent).toBe('Free');
    expect(cellOf(container, 't1-s0').getAttribute('aria-disabled')).toBeNull();
    expect(cellOf(container, 't1-s1').textContent).toBe('Held');
    expect(cellOf(container, 't1-s2').textContent).toBe('Taken');
    expect(cellOf(container, 't1-s3').textContent).toBe('N/A');
    for (const id of ['t1-s1', 't1-s2', 't1-s3'])
      expect(cellOf(container, id).getAttribute('aria-disabled')).toBe('true');
    expect(cellOf(container, 't1-s0').getAttribute('aria-label')).toBe(
      'Free, 16:00 with Mr Smith: press Enter to hold',
    );
    // Label in name (WCAG 2.5.3): every cell's accessible name contains the words it shows.
    for (const id of ['t1-s0', 't1-s1', 't1-s2', 't1-s3', 't2-s0'])
      expect(cellOf(container, id).getAttribute('aria-label')).toContain(cellOf(container, id).textContent);
    // Ms Jones has no slot at 16:05: an empty, inert cell keeps the grid rectangular.
    const empty = container.querySelector('[data-r="1"][data-c="1"]')!;
    expect(empty.getAttribute('data-slot')).toBeNull();
    expect(empty.textContent).toBe('—');
  });

  it("marks slots that clash with or sit too close to the family's bookings as unavailable before any click", async () => {
    const slots = [
      slot('t1', 0),
      slot('t1', 1),
      slot('t1', 2),
      slot('t2', 0),
      slot('t2', 1),
      slot('t2', 2),
      slot('t2', 3),
    ];
    const w = gridWorld(slots);
    // The sibling's confirmed appointment with Mr Smith at 16:05; the event needs a 5-minute gap.
    w.family.bookings = [booking(slots[1]!, 'confirmed', 'sib')];
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    expect(cellOf(container, 't1-s1').dataset.state).toBe('sibling');
    expect(cellOf(container, 't1-s1').textContent).toBe('Amelia');
    expect(cellOf(container, 't2-s1').dataset.state).toBe('unavailable'); // same time: clash
    expect(cellOf(container, 't2-s1').getAttribute('aria-label')).toContain('clashes');
    expect(cellOf(container, 't2-s0').dataset.state).toBe('unavailable'); // back to back: no gap
    expect(cellOf(container, 't2-s0').getAttribute('aria-label')).toContain('too close');
    expect(cellOf(container, 't2-s2').dataset.state).toBe('unavailable');
    expect(cellOf(container, 't2-s3').dataset.state).toBe('free'); // 5 minutes apart: fine
  });

  it('a fact re-renders the one cell it concerns, not the grid', async () => {
    const slots = Array.from({ length: 6 }, (_, i) => slot('t1', i)).concat(
      Array.from({ length: 6 }, (_, i) => slot('t2', i)),
    );
    const w = gridWorld(slots);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    const touched = new Set<Element>();
    const observer = new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target instanceof Element ? r.target : r.target.parentElement;
        const td = el?.closest('[role="gridcell"]');
        if (td) touched.add(td);
        else touched.add(el!);
      }
    });
    observer.observe(container, { subtree: true, childList: true, attributes: true, characterData: true });
    w.map.set('t2-s3', { ...slots[9]!, state: 'booked' });
    flushSync();
    await Promise.resolve();
    observer.disconnect();
    expect([...touched]).toEqual([cellOf(container, 't2-s3')]);
    expect(cellOf(container, 't2-s3').textContent).toBe('Taken');
  });

  it('is usable by keyboard alone: one tab stop, arrows move, Enter holds', async () => {
    const slots = [slot('t1', 0, 'booked'), slot('t1', 1), slot('t2', 0), slot('t2', 1)];
    const w = gridWorld(slots);
    const onactivate = vi.fn();
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid', onactivate });
    const focusable = container.querySelectorAll('[role="gridcell"][tabindex="0"]');
    expect(focusable).toHaveLength(1);
    const first = focusable[0] as HTMLElement;
    first.focus();
    await fireEvent.keyDown(first, { key: 'Enter' });
    expect(onactivate).not.toHaveBeenCalled(); // taken: nothing to do
    await fireEvent.keyDown(first, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(cellOf(container, 't1-s1'));
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(cellOf(container, 't2-s1'));
    expect(container.querySelectorAll('[role="gridcell"][tabindex="0"]')).toHaveLength(1);
    await fireEvent.keyDown(document.activeElement!, { key: ' ' });
    expect(onactivate).toHaveBeenCalledWith('t2-s1', expect.anything());
    await fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    expect(document.activeElement).toBe(cellOf(container, 't2-s0'));
  });

  it('an optimistic hold shows at once and is rolled back with a friendly message on slot_taken', async () => {
    const slots = [slot('t1', 0)];
    let answer: (v: unknown) => void = () => {};
    const { api } = scriptedApi({});
    api.write = (() => new Promise<unknown>((r) => (answer = r))) as typeof api.write;
    const w = gridWorld(slots, api);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    const pending = w.family.hold(slots[0]!, 'kid', 'Oliver');
    flushSync();
    expect(cellOf(container, 't1-s0').dataset.state).toBe('holding');
    answer({ ok: false, error: { code: 'slot_taken', message: 'Someone else has just taken this slot.' } });
    expect(await pending).toBe(false);
    flushSync();
    expect(cellOf(container, 't1-s0').dataset.state).toBe('free');
    expect(w.family.message?.text).toBe(
      'Sorry, slot 2026-11-30T16:00:00.000Z has just been taken by someone else. Please choose another time.',
    );
    expect(w.announcer.assertive).toContain('has just been taken');
  });

  it('a hold that succeeds becomes "Your hold" and the other slots of that teacher turn unavailable', async () => {
    const slots = [slot('t1', 0), slot('t1', 2)];
    const { api, calls } = scriptedApi({
      'POST /holds': () => ({ ok: true, data: booking(slots[0]!, 'held') }),
    });
    const w = gridWorld(slots, api);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    expect(await w.family.hold(slots[0]!, 'kid', 'Oliver')).toBe(true);
    flushSync();
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/holds',
      body: { slotId: 't1-s0', studentId: 'kid' },
    });
    expect(cellOf(container, 't1-s0').textContent).toBe('Your hold');
    expect(cellOf(container, 't1-s0').getAttribute('aria-label')).toMatch(
      /^Your hold, 16:00 with Mr Smith: /,
    );
    expect(cellOf(container, 't1-s2').getAttribute('aria-label')).toContain(
      'already booked with this teacher',
    );
  });

  it('a lapsed hold by someone else shows as free again without waiting for the server', () => {
    const slots = [slot('t1', 0, 'held', { heldUntil: new Date(Date.now() + 1000).toISOString() })];
    const w = gridWorld(slots);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    expect(cellOf(container, 't1-s0').dataset.state).toBe('held');
    w.clock.now = Date.now() + 2000;
    flushSync();
    expect(cellOf(container, 't1-s0').dataset.state).toBe('free');
  });
});
