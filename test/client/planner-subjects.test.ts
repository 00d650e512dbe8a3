import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import ItineraryPlanner from '../../client/src/parent/fairness/ItineraryPlanner.svelte';
import type { ItineraryProposalView } from '../../protocol/fairness.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import { event, iso, scriptedApi } from './fixtures/grid-data.ts';

/** Subjects everywhere a teacher is named: two "Mr Hill"s in the planner. */
describe('the planner names what each teacher teaches the child', () => {
  it('in the teachers to tick and in the proposed times', async () => {
    const students: StudentView[] = [
      {
        id: 'kid',
        firstName: 'Oliver',
        surname: 'Hill',
        yearGroup: 'Year 9',
        className: '9A',
        teacherIds: ['t1', 't2'],
        subjects: { t1: 'Maths', t2: 'Physics' },
      },
    ];
    const proposal: ItineraryProposalView = {
      eventId: event.id,
      meetings: [
        {
          studentId: 'kid',
          teacherId: 't2',
          slotId: 't2-s2',
          startsAt: iso(10),
          endsAt: iso(15),
          room: 'Lab 2',
        },
      ],
      unplaced: [],
      waitingMinutes: 0,
      firstStartsAt: iso(10),
      lastEndsAt: iso(15),
      provenBest: true,
    };
    const { api } = scriptedApi({
      [`POST /events/${event.id}/itinerary/propose`]: () => ({ ok: true, data: proposal }),
    });
    render(ItineraryPlanner, {
      api,
      announcer: new Announcer(),
      event,
      students,
      teacherName: () => 'Mr Hill',
      onheld: vi.fn(),
    });
    expect(screen.getAllByRole('checkbox').map((c) => c.closest('label')?.textContent?.trim())).toEqual([
      'Mr Hill (Maths)',
      'Mr Hill (Physics)',
    ]);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Mr Hill (Physics)' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Propose my times' }));
    const [item] = await screen.findAllByTestId('proposed-meeting');
    expect(item!.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      '16:10–16:15 Mr Hill (Physics) for Oliver · Lab 2',
    );
  });
});
