import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FullTeachers from '../../client/src/parent/fairness/FullTeachers.svelte';
import type { WaitlistEntry } from '../../protocol/fairness.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import { event, gridWorld, scriptedApi, slot, teachers } from './fixtures/grid-data.ts';

const student: StudentView = {
  id: 'kid',
  firstName: 'Oliver',
  surname: 'Hill',
  yearGroup: 'Year 8',
  className: '8A',
  teacherIds: ['t1', 't2'],
};

describe('fully booked teachers', () => {
  it('shows the lines the child is already in as joined, and offers only the others', async () => {
    const entry = { teacherId: 't1', studentId: 'kid', status: 'waiting', place: 2 } as WaitlistEntry;
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/waitlist`]: () => ({ ok: true, data: { entries: [entry] } }),
    });
    const w = gridWorld([slot('t1', 0, 'booked'), slot('t2', 0, 'booked')], api);
    render(FullTeachers, {
      api,
      announcer: w.announcer,
      event,
      student,
      teachers,
      live: w.live,
      family: w.family,
    });
    const items = await screen.findAllByTestId('full-teacher');
    expect(items).toHaveLength(2);
    await expect.poll(() => items[0]!.textContent).toContain('You are on the waiting list.');
    expect(items[0]!.querySelector('button')).toBeNull();
    expect(items[1]!.querySelector('button')?.textContent).toContain(
      'Join Ms Jones’s waiting list for Oliver',
    );
    expect(calls.map((c) => c.path)).toContain(`/events/${event.id}/waitlist`);
  });
});

describe('fully booked teachers, none full', () => {
  it('reads no waiting list while every teacher of the child has a free time', async () => {
    const { api, calls } = scriptedApi({});
    const w = gridWorld([slot('t1', 0, 'free'), slot('t2', 0, 'free')], api);
    render(FullTeachers, {
      api,
      announcer: w.announcer,
      event,
      student,
      teachers,
      live: w.live,
      family: w.family,
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryAllByTestId('full-teacher')).toHaveLength(0);
    expect(calls.filter((c) => c.path.endsWith('/waitlist'))).toEqual([]);
  });
});
