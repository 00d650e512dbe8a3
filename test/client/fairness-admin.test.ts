import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import DrawRecordView from '../../client/src/admin/fairness/DrawRecordView.svelte';
import OnTheNight from '../../client/src/admin/fairness/OnTheNight.svelte';
import WaitlistAdmin from '../../client/src/admin/fairness/WaitlistAdmin.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { FairStartStatusView, WaitlistEntry } from '../../protocol/fairness.ts';
import { event, iso, scriptedApi } from './fixtures/grid-data.ts';

const name = (id: string) => (id === 't1' ? 'Mr Smith' : 'Ms Jones');

function entry(id: string, place: number, extra: Partial<WaitlistEntry> = {}): WaitlistEntry {
  return {
    id,
    eventId: event.id,
    teacherId: 't1',
    familyId: `fam-${id}`,
    familySurname: `Family${id}`,
    studentId: `stu-${id}`,
    studentName: `Child ${id}`,
    place,
    mustSee: false,
    status: 'waiting',
    ...extra,
  };
}

describe('fairness (staff)', () => {
  it('shows the recorded draw with its seed and that it verifies', async () => {
    const status = {
      mode: 'fair_start',
      allocatedAt: iso(-60),
      allocationLocalTime: '19:10',
      seedSha256: 'cd'.repeat(32),
    } as FairStartStatusView;
    const { api } = scriptedApi({
      [`GET /events/${event.id}/fair-start/draw`]: () => ({
        ok: true,
        data: {
          eventId: event.id,
          seed: 'ab'.repeat(32),
          seedSha256: 'cd'.repeat(32),
          drawnAt: iso(-60),
          order: ['f2', 'f1'],
          steps: [
            { round: 1, familyId: 'f2', studentId: 's2', teacherId: 't1', slotId: 'x', reason: 'granted' },
            {
              round: 1,
              familyId: 'f1',
              studentId: 's1',
              teacherId: 't1',
              slotId: null,
              reason: 'no_fitting_slot',
            },
          ],
          verified: true,
        },
      }),
    });
    render(DrawRecordView, { api, event, status, name });
    const verdict = await screen.findByTestId('draw-verified');
    expect(verdict.textContent).toContain('Verified');
    expect(screen.getByText(/2 families · 1 of 2 requests granted/)).toBeTruthy();
    expect(screen.getByText('ab'.repeat(32))).toBeTruthy();
    expect(screen.getAllByRole('row').map((r) => r.textContent)).toEqual([
      'RoundFamily (lottery place)TeacherOutcome',
      '11Mr Smithgranted',
      '12Mr Smithno fitting slot',
    ]);
  });

  it('an admin reorders a waiting list and marks a family must see', async () => {
    let entries = [entry('a', 1), entry('b', 2)];
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/waitlist`]: () => ({ ok: true, data: { entries } }),
      [`PUT /events/${event.id}/waitlist/t1/order`]: (body) => {
        const ids = (body as { entryIds: string[] }).entryIds;
        entries = ids.map((id, i) => entry(id, i + 1));
        return { ok: true, data: { entries } };
      },
      'PUT /waitlist/a/must-see': () => {
        entries = [entry('a', 1, { mustSee: true }), entry('b', 2)];
        return { ok: true, data: entries[0] };
      },
    });
    const announcer = new Announcer();
    render(WaitlistAdmin, { api, announcer, event, isAdmin: true, name });
    await waitFor(() => expect(screen.getAllByTestId('wl-entry')).toHaveLength(2));
    await fireEvent.click(screen.getByRole('button', { name: 'Move Child b up' }));
    await waitFor(() => expect(screen.getAllByTestId('wl-entry')[0]!.textContent).toContain('Child b'));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({ entryIds: ['b', 'a'] });
    expect(announcer.polite).toContain('is now place 1');

    await fireEvent.click(screen.getAllByRole('checkbox', { name: 'Must see' })[1]!);
    await waitFor(() => expect(screen.getAllByTestId('wl-entry')[0]!.textContent).toContain('must see'));
    expect(calls.filter((c) => c.path === '/waitlist/a/must-see')[0]!.body).toEqual({ mustSee: true });
  });

  it('marks a teacher running late, and absence asks before cancelling', async () => {
    const { api, calls } = scriptedApi({
      [`PUT /events/${event.id}/teachers/t1/running-late`]: () => ({
        ok: true,
        data: { eventId: event.id, teacherId: 't1', minutes: 15, clearsAt: iso(45), affected: 3 },
      }),
      [`POST /events/${event.id}/teachers/t2/absence`]: () => ({
        ok: true,
        data: {
          id: 'ab',
          eventId: event.id,
          teacherId: 't2',
          from: iso(10),
          to: iso(30),
          coverTeacherId: 't1',
          cancelledBookingIds: ['x', 'y'],
          coverOffers: 2,
        },
      }),
    });
    const teachers = [
      { id: 't1', displayName: 'Mr Smith' },
      { id: 't2', displayName: 'Ms Jones' },
    ];
    render(OnTheNight, { api, event, isAdmin: true, teachers });
    await fireEvent.input(screen.getByLabelText('Minutes late'), { target: { value: '15' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Mark running late' }));
    await screen.findByText('Mr Smith is marked 15 minutes late until 16:45; 3 families told.');
    expect(calls[0]!.body).toEqual({ minutes: 15 });

    const selects = screen.getAllByRole('combobox');
    await fireEvent.change(selects[1]!, { target: { value: 't2' } });
    await fireEvent.input(screen.getByLabelText('From (both empty: the whole evening)'), {
      target: { value: '16:10' },
    });
    await fireEvent.input(screen.getByLabelText('To'), { target: { value: '16:30' } });
    await fireEvent.change(selects[2]!, { target: { value: 't1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Mark absent' }));
    expect(calls).toHaveLength(1);
    expect(screen.getByRole('alert').textContent).toContain('This cancels Ms Jones’s appointments');
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, mark absent' }));
    await screen.findByText(
      /Ms Jones is marked absent 16:10–16:30: 2 appointments cancelled, 2 cover offers sent/,
    );
    expect(calls[1]!.body).toEqual({ from: iso(10), to: iso(30), coverTeacherId: 't1' });
  });

  it('the running-late teacher is preselected once the staff list arrives', async () => {
    const { api } = scriptedApi({});
    const { rerender } = render(OnTheNight, { api, event, isAdmin: true, teachers: [] });
    expect(screen.getByRole('button', { name: 'Mark running late' }).hasAttribute('disabled')).toBe(true);
    await rerender({
      api,
      event,
      isAdmin: true,
      teachers: [
        { id: 't2', displayName: 'Ms Jones' },
        { id: 't1', displayName: 'Mr Smith' },
      ],
    });
    await waitFor(() => expect((screen.getAllByRole('combobox')[0] as HTMLSelectElement).value).toBe('t2'));
    expect(screen.getByRole('button', { name: 'Mark running late' }).hasAttribute('disabled')).toBe(false);
  });
});
