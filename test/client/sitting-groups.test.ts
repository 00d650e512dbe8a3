import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SittingsEditor from '../../client/src/admin/SittingsEditor.svelte';
import { groupBySitting } from '../../client/src/lib/sitting-groups.ts';
import TeacherList from '../../client/src/parent/TeacherList.svelte';
import type { EventView, StudentView } from '../../protocol/schemas.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event, gridWorld, iso, SCHOOL_ZONE, slot, teachers } from './fixtures/grid-data.ts';
import ParentGridHarness from './fixtures/ParentGridHarness.svelte';

/**
 * Several sittings per event. With more than one, the parent's grid and list
 * (and the teacher's timeline) show each sitting's times under its date and label; with
 * one, screens look as they did.
 */
const sittings: EventView['sittings'] = [
  { id: 'a', startsAt: iso(0), endsAt: iso(15), label: 'Afternoon' },
  { id: 'b', startsAt: iso(60), endsAt: iso(90), label: '' },
];
const twoSittings: EventView = { ...event, sittings };
// 16:00, 16:05, 16:10 in the first sitting; 17:00, 17:05 in the second.
const slots = [0, 1, 2, 12, 13].map((i) => slot('t1', i));
const student: StudentView = {
  id: 'kid',
  firstName: 'Oliver',
  surname: 'Hill',
  yearGroup: 'Year 8',
  className: '8A',
  teacherIds: ['t1'],
};

describe('grouping by sitting', () => {
  it('splits times by the sitting each starts in, and leaves one sitting alone', () => {
    const times = slots.map((s) => s.startsAt);
    const groups = groupBySitting(times, (t) => t, sittings, SCHOOL_ZONE);
    expect(groups.map((g) => [g.heading, g.items.length])).toEqual([
      ['Afternoon · Monday, 30 November 2026, 16:00–16:15', 3],
      ['Monday, 30 November 2026, 17:00–17:30', 2],
    ]);
    expect(groupBySitting(times, (t) => t, sittings.slice(0, 1), SCHOOL_ZONE)).toEqual([
      { key: 'all', heading: null, items: times },
    ]);
    // A time outside every sitting (an admin's extra slot) is said as such.
    expect(groupBySitting([iso(30)], (t) => t, sittings, SCHOOL_ZONE)[0]!.heading).toBe('Other times');
  });

  it('heads the parent’s grid with each sitting over its own times', () => {
    const w = gridWorld(slots);
    render(ParentGridHarness, { ...w, event: twoSittings, studentId: 'kid' });
    const heads = screen.getAllByTestId('sitting-heading');
    expect(heads.map((h) => [h.textContent, h.getAttribute('colspan')])).toEqual([
      ['Afternoon · Monday, 30 November 2026, 16:00–16:15', '3'],
      ['Monday, 30 November 2026, 17:00–17:30', '2'],
    ]);
    expect(screen.getByRole('grid').getAttribute('aria-rowcount')).toBe('4');
  });

  it('has no sitting row in the grid of an event with one sitting', () => {
    const w = gridWorld(slots);
    render(ParentGridHarness, {
      ...w,
      event: { ...event, sittings: sittings.slice(0, 1) },
      studentId: 'kid',
    });
    expect(screen.queryAllByTestId('sitting-heading')).toEqual([]);
  });

  it('lists a teacher’s times on a phone under each sitting', async () => {
    const w = gridWorld(slots);
    Object.assign(w.live, { layout: w.layout });
    render(TeacherList, {
      student,
      teachers: teachers.slice(0, 1),
      live: w.live,
      family: w.family,
      event: twoSittings,
      clock: w.clock,
      bookingOpen: true,
      nameOf: () => 'Oliver Hill',
      onhold: async () => {},
    });
    await fireEvent.click(screen.getByRole('button', { name: /^All times with Mr Smith/ }));
    const afternoon = screen.getByRole('list', { name: /^Mr Smith’s times, Afternoon/ });
    expect(within(afternoon).getAllByRole('listitem')).toHaveLength(3);
    const evening = screen.getByRole('list', {
      name: 'Mr Smith’s times, Monday, 30 November 2026, 17:00–17:30',
    });
    expect(
      within(evening)
        .getAllByRole('listitem')
        .map((li) => li.textContent?.slice(0, 5)),
    ).toEqual(['17:00', '17:05']);
  });
});

describe('the sittings editor', () => {
  it('shows the event’s sittings, adds and removes one, and sends them in the school’s zone', async () => {
    const PUT = `PUT /admin/events/${event.id}/sittings`;
    const { api, calls } = adminApi({
      [PUT]: (body) => {
        const sent = (body as { sittings: { date: string; from: string; to: string; label: string }[] })
          .sittings;
        if (sent.length === 1)
          return {
            ok: false,
            error: {
              code: 'bookings_in_the_way',
              message: '1 held or booked appointment lies outside the new sittings.',
              issues: [{ path: 'bookings.b1', message: '2026-11-30 17:05–17:10 with Mr Smith' }],
            },
          };
        return { ok: true, data: { ...twoSittings, sittings } };
      },
    });
    render(SittingsEditor, { api, timeZone: SCHOOL_ZONE, event: twoSittings, onsaved: () => {} });
    expect((screen.getAllByLabelText('Starts') as HTMLInputElement[]).map((f) => f.value)).toEqual([
      '16:00',
      '17:00',
    ]);
    expect((screen.getAllByLabelText('Label (optional)')[0] as HTMLInputElement).value).toBe('Afternoon');

    await fireEvent.click(screen.getByRole('button', { name: 'Remove sitting 2' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Save sittings' }));
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]!.body).toEqual({
      sittings: [{ date: '2026-11-30', from: '16:00', to: '16:15', label: 'Afternoon' }],
    });
    // Refused: the appointment in the way is listed.
    expect(await screen.findByText('2026-11-30 17:05–17:10 with Mr Smith')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Add a sitting' }));
    const dates = screen.getAllByLabelText('Date') as HTMLInputElement[];
    expect(dates).toHaveLength(2);
    expect(dates[1]!.value).toBe('2026-11-30');
    await fireEvent.click(screen.getByRole('button', { name: 'Save sittings' }));
    await expect.poll(() => calls.length).toBe(2);
    expect((calls[1]!.body as { sittings: unknown[] }).sittings).toEqual([
      { date: '2026-11-30', from: '16:00', to: '16:15', label: 'Afternoon' },
      { date: '2026-11-30', from: '18:00', to: '20:00', label: '' },
    ]);
    expect(await screen.findByText(/Sittings saved/)).toBeTruthy();
  });
});
