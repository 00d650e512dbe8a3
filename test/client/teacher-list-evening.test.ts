import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TeacherList from '../../client/src/parent/TeacherList.svelte';
import type { StudentView } from '../../protocol/schemas.ts';
import { booking, event, gridWorld, slot, teachers } from './fixtures/grid-data.ts';

const student: StudentView = {
  id: 'kid',
  firstName: 'Oliver',
  surname: 'Hill',
  yearGroup: 'Year 8',
  className: '8A',
  teacherIds: ['t1', 't2'],
};

describe("a teacher's whole evening on a phone", () => {
  it('says once why the times cannot be taken, not on every row', async () => {
    const slots = Array.from({ length: 6 }, (_, i) => slot('t1', i));
    const w = gridWorld(slots);
    w.family.bookings = [booking(slots[0]!, 'confirmed', 'kid')];
    Object.assign(w.live, { layout: w.layout });
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
    });
    await fireEvent.click(screen.getByRole('button', { name: /^All times with Mr Smith/ }));
    const reason = screen.getByTestId('evening-reason').textContent ?? '';
    expect(reason).toMatch(/^Not possible: .+ \(the times marked “Not possible”\)\.$/);
    const evening = screen.getByRole('list', { name: 'Mr Smith’s evening' });
    const rows = [...evening.querySelectorAll('li')].map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    // Five other times, each just "Not possible"; the reason is not repeated on any.
    expect(rows.filter((r) => r?.endsWith('Not possible'))).toHaveLength(5);
    expect(rows.some((r) => r?.includes('Not possible:'))).toBe(false);
  });
});
