import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import InterpreterNeed from '../../client/src/parent/InterpreterNeed.svelte';
import { InterpreterSlots } from '../../client/src/parent/interpreter-slots.svelte.ts';
import { parentCellState } from '../../client/src/parent/parent-cell-state.ts';
import TeacherList from '../../client/src/parent/TeacherList.svelte';
import { INTERPRETER_LANGUAGES } from '../../protocol/interpreter-languages.ts';
import { canonicalLanguage } from '../../protocol/interpreters.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import { event, gridWorld, scriptedApi, slot, teachers } from './fixtures/grid-data.ts';
import ParentGridHarness from './fixtures/ParentGridHarness.svelte';

const cellOf = (container: HTMLElement, id: string) =>
  container.querySelector<HTMLElement>(`[data-slot="${id}"]`)!;
const student: StudentView = {
  id: 'kid',
  firstName: 'Oliver',
  surname: 'Hill',
  yearGroup: 'Year 8',
  className: '8A',
  teacherIds: ['t1', 't2'],
};

describe('the grid of a family that needs an interpreter', () => {
  it('marks free times with an interpreter, and disables those without one with the reason in words', async () => {
    const slots = [slot('t1', 0), slot('t1', 1), slot('t1', 2, 'booked'), slot('t2', 0)];
    const w = gridWorld(slots);
    const interpreter = new InterpreterSlots(scriptedApi({}).api, event.id);
    interpreter.fromSnapshot({ language: 'pl', freeSlotIds: ['t1-s0', 't1-s2', 't2-s0'] });
    const onactivate = vi.fn();
    const { container } = render(ParentGridHarness, {
      ...w,
      event,
      studentId: 'kid',
      interpreter,
      onactivate,
    });
    const withOne = cellOf(container, 't1-s0');
    expect(withOne.dataset.state).toBe('free');
    expect(withOne.getAttribute('aria-disabled')).toBeNull();
    expect(withOne.querySelector('.interp')).not.toBeNull();
    expect(withOne.getAttribute('aria-label')).toBe(
      'Free, 16:00 with Mr Smith: an interpreter is free then; press Enter to hold',
    );
    const without = cellOf(container, 't1-s1');
    expect(without.dataset.state).toBe('unavailable');
    expect(without.getAttribute('aria-disabled')).toBe('true');
    expect(without.textContent).toBe('⊘');
    expect(without.querySelector('.interp')).toBeNull();
    expect(without.getAttribute('aria-label')).toBe(
      '16:05 with Mr Smith: not available: no interpreter for your language is free then',
    );
    // Taken stays taken, whatever the interpreter: the slot's own state comes first.
    expect(cellOf(container, 't1-s2').textContent).toBe('Taken');
    await fireEvent.click(without);
    expect(onactivate).not.toHaveBeenCalled();
    await fireEvent.click(withOne);
    expect(onactivate).toHaveBeenCalledWith('t1-s0', expect.anything());
  });

  it('follows where an interpreter is free when asked again after facts, debounced', async () => {
    const slots = [slot('t1', 0), slot('t1', 1)];
    let free = ['t1-s0'];
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/interpreter`]: () => ({
        ok: true,
        data: { eventId: event.id, interpreter: { language: 'pl', freeSlotIds: free } },
      }),
    });
    const w = gridWorld(slots, api);
    const interpreter = new InterpreterSlots(api, event.id, 10);
    interpreter.fromSnapshot({ language: 'pl', freeSlotIds: free });
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid', interpreter });
    expect(cellOf(container, 't1-s0').dataset.state).toBe('free');
    expect(cellOf(container, 't1-s1').dataset.state).toBe('unavailable');

    // Another family's booking took the interpreter at 16:00; one came free at 16:05.
    free = ['t1-s1'];
    for (let i = 0; i < 5; i++) interpreter.refreshSoon();
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'GET')).toHaveLength(1));
    await vi.waitFor(() => {
      flushSync();
      expect(cellOf(container, 't1-s1').dataset.state).toBe('free');
    });
    expect(cellOf(container, 't1-s0').dataset.state).toBe('unavailable');
    expect(cellOf(container, 't1-s0').getAttribute('aria-label')).toContain('no interpreter');
    interpreter.dispose();
  });

  it('changes nothing for a family that needs none, and asks nothing after facts', async () => {
    const { api, calls } = scriptedApi({});
    const w = gridWorld([slot('t1', 0)], api);
    const interpreter = new InterpreterSlots(api, event.id, 5);
    interpreter.fromSnapshot(null);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid', interpreter });
    expect(cellOf(container, 't1-s0').textContent).toBe('Free');
    expect(cellOf(container, 't1-s0').getAttribute('aria-label')).toBe(
      'Free, 16:00 with Mr Smith: press Enter to hold',
    );
    interpreter.refreshSoon();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls).toEqual([]);
  });

  it('before booking opens, a time with an interpreter says so; one without says there is none', () => {
    const base = {
      studentId: 'kid',
      familyBookings: [],
      mine: undefined,
      pendingFor: undefined,
      event,
      now: 0,
      nameOf: () => 'Oliver Hill',
      bookingOpen: false,
    };
    const withOne = parentCellState({ ...base, slot: slot('t1', 0), interpreterFree: true });
    expect(withOne).toMatchObject({ reason: 'not_open', interpreter: true, actionable: false });
    expect(withOne.label('16:00 with Mr Smith')).toContain('an interpreter is free then');
    const without = parentCellState({ ...base, slot: slot('t1', 0), interpreterFree: false });
    expect(without).toMatchObject({ reason: 'no_interpreter', actionable: false });
  });

  it('on a phone: next free times are only those with an interpreter, each saying so', async () => {
    const slots = [slot('t1', 0), slot('t1', 1), slot('t1', 2)];
    const w = gridWorld(slots);
    Object.assign(w.live, { layout: w.layout });
    const interpreter = new InterpreterSlots(scriptedApi({}).api, event.id);
    interpreter.fromSnapshot({ language: 'pl', freeSlotIds: ['t1-s1'] });
    render(TeacherList, {
      student,
      teachers: teachers.slice(0, 1),
      live: w.live,
      family: w.family,
      event,
      clock: w.clock,
      bookingOpen: true,
      nameOf: () => 'Oliver Hill',
      onhold: async () => {},
      interpreter,
    });
    const next = screen.getAllByRole('button', { name: /hold with Mr Smith/ });
    expect(next.map((b) => b.getAttribute('aria-label'))).toEqual([
      '16:05, hold with Mr Smith for Oliver: an interpreter is free then',
    ]);
    await fireEvent.click(screen.getByRole('button', { name: /^All times with Mr Smith/ }));
    const evening = screen.getByRole('list', { name: 'Mr Smith’s evening' });
    const rows = [...evening.querySelectorAll('li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(rows[1]).toContain('interpreter free');
    // The other two share the reason: said once above, "Not possible" on each row.
    expect(screen.getByTestId('evening-reason').textContent).toContain(
      'Not possible: no interpreter for your language is free then',
    );
    expect(rows.filter((r) => r?.endsWith('Not possible'))).toHaveLength(2);
  });
});

describe('"I need an interpreter for"', () => {
  it('offers languages by their own names with codes Confer stores, saves a choice and says so', async () => {
    for (const l of INTERPRETER_LANGUAGES) expect(canonicalLanguage(l.code)).toBe(l.code);
    const { api, calls } = scriptedApi({
      'PUT /me/interpreter': (body) => ({
        ok: true,
        data: { familyId: 'fam', language: (body as { language: string }).language },
      }),
      'DELETE /me/interpreter': () => ({ ok: true, data: { familyId: 'fam', language: null } }),
    });
    const announcer = new Announcer();
    const onchanged = vi.fn();
    const { rerender } = render(InterpreterNeed, { api, announcer, current: null, onchanged });
    const select = screen.getByLabelText('I need an interpreter for:') as HTMLSelectElement;
    expect(select.value).toBe('');
    const names = [...select.options].map((o) => o.textContent);
    expect(names).toContain('Polski');
    expect(names).toContain('اردو');
    expect(names).toContain('British Sign Language (BSL)');
    // Nothing to remove yet.
    expect(screen.queryByRole('button', { name: 'I no longer need an interpreter' })).toBeNull();

    await fireEvent.change(select, { target: { value: 'pl' } });
    await vi.waitFor(() => expect(onchanged).toHaveBeenCalledWith('pl'));
    expect(calls).toEqual([{ method: 'PUT', path: '/me/interpreter', body: { language: 'pl' } }]);
    expect(announcer.polite).toContain('You need an interpreter for Polski.');
    expect(announcer.polite).toContain('appointments you already have are not changed');

    await rerender({ api, announcer, current: 'pl', onchanged });
    expect(select.value).toBe('pl');
    await fireEvent.click(screen.getByRole('button', { name: 'I no longer need an interpreter' }));
    await vi.waitFor(() => expect(onchanged).toHaveBeenLastCalledWith(null));
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/me/interpreter' });
    expect(announcer.polite).toContain('You no longer need an interpreter.');
  });

  it('offers the need the school set even when the list lacks it, and shows a refusal in words', async () => {
    const { api } = scriptedApi({
      'PUT /me/interpreter': () => ({
        ok: false,
        error: { code: 'invalid_input', message: 'The request is not valid.' },
      }),
    });
    const announcer = new Announcer();
    const onchanged = vi.fn();
    render(InterpreterNeed, { api, announcer, current: 'kea', onchanged });
    const select = screen.getByLabelText('I need an interpreter for:') as HTMLSelectElement;
    expect(select.value).toBe('kea');
    await fireEvent.change(select, { target: { value: 'ro' } });
    await vi.waitFor(() => expect(announcer.assertive).toMatch(/^Your interpreter choice was not saved: /));
    expect(onchanged).not.toHaveBeenCalled();
  });
});
