import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Itinerary from '../../client/src/parent/Itinerary.svelte';
import type { BookingView } from '../../protocol/schemas.ts';
import { booking, itineraryProps, slot } from './fixtures/grid-data.ts';

/**
 * "Change" in one step: before, Change cancelled the appointment first and
 * then sent the family to pick again, so a lost race lost the old time too.
 */
describe('itinerary: change an appointment in one step', () => {
  it('offers the free times with the same teacher, keeps the appointment, and moves it to the one picked', async () => {
    const mine = booking(slot('t1', 1), 'confirmed');
    const later = slot('t1', 4);
    const oncancel = vi.fn();
    const moves: [BookingView, string][] = [];
    let answer = false;
    render(
      Itinerary,
      itineraryProps([mine], {
        oncancel,
        freeTimes: (b: BookingView) => (b.teacherId === 't1' ? [later] : []),
        onmove: async (b: BookingView, slotId: string) => {
          moves.push([b, slotId]);
          return answer;
        },
      }),
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Change' }));
    expect(oncancel).not.toHaveBeenCalled();
    expect(screen.getByText(/Your 16:05 stays yours until the new time is booked/)).toBeTruthy();
    // Refused (taken meanwhile): the choice stays open and nothing was cancelled.
    await fireEvent.click(screen.getByRole('button', { name: '16:20' }));
    expect(moves).toEqual([[mine, later.id]]);
    expect(screen.getByRole('group', { name: 'New time with Mr Smith' })).toBeTruthy();
    answer = true;
    await fireEvent.click(screen.getByRole('button', { name: '16:20' }));
    expect(moves).toHaveLength(2);
    await vi.waitFor(() =>
      expect(screen.queryByRole('group', { name: 'New time with Mr Smith' })).toBeNull(),
    );
    expect(oncancel).not.toHaveBeenCalled();
  });

  it('says so when the teacher has no other free time, and lets the family keep theirs', async () => {
    render(Itinerary, itineraryProps([booking(slot('t1', 1), 'confirmed')]));
    await fireEvent.click(screen.getByRole('button', { name: 'Change' }));
    expect(screen.getByText('No other free times with Mr Smith just now.')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Keep 16:05' }));
    expect(screen.getByRole('button', { name: 'Change' })).toBeTruthy();
  });

  it('names the subject after the teacher with a space between them ("Mr Smith (Maths)", not "Mr Smith(Maths)")', () => {
    const mine = booking(slot('t1', 1), 'confirmed', 'kid', { subject: 'Maths' });
    const { container } = render(Itinerary, itineraryProps([mine], { canChange: false }));
    expect(container.querySelector('.who')?.textContent).toBe(`Mr Smith (Maths) about ${mine.studentName}`);
  });
});
