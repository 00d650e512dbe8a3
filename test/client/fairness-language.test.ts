import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import { showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';
import FairStartPanel from '../../client/src/parent/fairness/FairStartPanel.svelte';
import ItineraryPlanner from '../../client/src/parent/fairness/ItineraryPlanner.svelte';
import type { LiveSocket } from '../../client/src/parent/fairness/live-socket.ts';
import OfferList from '../../client/src/parent/fairness/OfferList.svelte';
import QueuePanel from '../../client/src/parent/fairness/QueuePanel.svelte';
import WaitlistPanel from '../../client/src/parent/fairness/WaitlistPanel.svelte';
import FeedbackForm from '../../client/src/shared/FeedbackForm.svelte';
import type { FairStartStatusView, ItineraryProposalView, OfferViewT } from '../../protocol/fairness.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import { pseudoChecker } from '../support/pseudo-text.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { EVENING, event, iso, scriptedApi } from './fixtures/grid-data.ts';

/**
 * The fairness screens and the feedback form shown in the pseudo-locale en-XA: every text a
 * family sees (text, aria-label, title, placeholder, alt, what the live regions say) must be
 * pseudo-text (⟦…⟧, from the message layer) or data (names, rooms, times, numbers). English
 * typed into a component cannot pass.
 */

// What the fixtures hold as data: never translated.
const DATA = ['Mr Smith', 'Ms Jones', 'Oliver', 'Amelia', 'Hill', 'Room 1', 'Room 2', 'FB-7Q2K'];

const { notTranslated, english } = pseudoChecker(DATA);

function fakeSocket() {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const socket = {
    on(name: string, fn: (p: unknown) => void) {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)!.add(fn);
      return socket;
    },
    off(name: string, fn: (p: unknown) => void) {
      handlers.get(name)?.delete(fn);
      return socket;
    },
  };
  const emit = (name: string, payload: unknown) => {
    for (const fn of handlers.get(name) ?? []) fn(payload);
  };
  return { socket: socket as unknown as LiveSocket, emit };
}

const students: StudentView[] = [
  {
    id: 'kid',
    firstName: 'Oliver',
    surname: 'Hill',
    yearGroup: 'Year 9',
    className: '9A',
    teacherIds: ['t1', 't2'],
  },
  {
    id: 'sib',
    firstName: 'Amelia',
    surname: 'Hill',
    yearGroup: 'Year 7',
    className: '7C',
    teacherIds: ['t2'],
  },
];
const teacherName = (id: string) => (id === 't1' ? 'Mr Smith' : 'Ms Jones');

function offer(id: string, extra: Partial<OfferViewT> = {}): OfferViewT {
  return {
    id,
    kind: 'waitlist',
    eventId: event.id,
    slotId: 't1-s1',
    teacherId: 't1',
    teacherName: 'Mr Smith',
    studentId: 'kid',
    startsAt: iso(5),
    endsAt: iso(10),
    room: 'Room 1',
    status: 'pending',
    expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
    bookingId: null,
    ...extra,
  };
}

beforeEach(async () => {
  await showLanguage('en-XA');
});
afterEach(async () => {
  await showLanguage('en');
});

describe('the check itself', () => {
  it('passes pseudo-text and data, and finds English', () => {
    const div = document.createElement('div');
    div.innerHTML =
      '<p>⟦Ĵóíñ Mr Smith’š ŵáíţíñĝ ļíšţ⟧</p><p>16:05–16:10 · Room 1</p><button aria-label="Move up">↑</button><p>Join the waiting list</p>';
    expect(english(div)).toEqual(['"Join the waiting list"', 'aria-label="Move up"']);
  });
});

describe('fairness screens in the pseudo-locale', () => {
  it('the itinerary planner: form, proposal, reasons, waiting list and hold, every word from the message layer', async () => {
    const proposal: ItineraryProposalView = {
      eventId: event.id,
      meetings: [
        {
          studentId: 'kid',
          teacherId: 't1',
          slotId: 't1-s2',
          startsAt: iso(10),
          endsAt: iso(15),
          room: 'Room 1',
        },
        {
          studentId: 'sib',
          teacherId: 't2',
          slotId: 't2-s4',
          startsAt: iso(20),
          endsAt: iso(25),
          room: 'Room 2',
        },
      ],
      unplaced: [{ studentId: 'kid', teacherId: 't2', reason: 'full', waitingListAvailable: true }],
      waitingMinutes: 5,
      firstStartsAt: iso(10),
      lastEndsAt: iso(25),
      provenBest: false,
    };
    const { api } = scriptedApi({
      [`POST /events/${event.id}/itinerary/propose`]: () => ({ ok: true, data: proposal }),
      [`POST /events/${event.id}/waitlist`]: () => ({
        ok: true,
        data: {
          id: 'w1',
          eventId: event.id,
          teacherId: 't2',
          familyId: 'fam',
          familySurname: 'Hill',
          studentId: 'kid',
          studentName: 'Oliver Hill',
          place: 2,
          mustSee: false,
          status: 'waiting',
        },
      }),
    });
    const announcer = new Announcer();
    const { container } = render(ItineraryPlanner, { api, announcer, event, students, teacherName });
    expect(english(container)).toEqual([]);

    for (const box of screen.getAllByRole('checkbox')) await fireEvent.click(box);
    await fireEvent.click(container.querySelector('button[type="submit"]')!);
    await screen.findByTestId('proposal');
    expect(screen.getByTestId('not-proven-best').textContent).toContain('⟦');
    expect(screen.getByTestId('unplaced').textContent).toContain('Ms Jones');
    expect(announcer.polite).toContain('⟦');
    expect(english(container)).toEqual([]);

    await fireEvent.click(screen.getByTestId('unplaced').querySelector('button')!);
    await waitFor(() => expect(screen.getByTestId('planner-message').textContent).toContain('2'));
    expect(english(container)).toEqual([]);
    expect(notTranslated(announcer.polite)).toBe('');
  });

  it('offers: the list, its countdown, a live offer and the answer, every word from the message layer', async () => {
    const { api } = scriptedApi({
      [`GET /events/${event.id}/offers/mine`]: () => ({
        ok: true,
        data: {
          offers: [
            offer('o1'),
            offer('o3', { kind: 'cover', slotId: 't1-s3', startsAt: iso(15), endsAt: iso(20) }),
          ],
        },
      }),
      'POST /offers/o1/accept': () => ({
        ok: true,
        data: { offer: offer('o1', { status: 'accepted', bookingId: 'b1' }), booking: {} },
      }),
    });
    const { socket, emit } = fakeSocket();
    const announcer = new Announcer();
    const { container } = render(OfferList, { api, socket, announcer, event, students, clock: new Clock() });
    await waitFor(() => expect(screen.getAllByTestId('offer')).toHaveLength(2));
    expect(english(container)).toEqual([]);

    emit(
      'offer:made',
      offer('o2', {
        teacherId: 't2',
        teacherName: 'Ms Jones',
        studentId: 'sib',
        startsAt: iso(20),
        endsAt: iso(25),
      }),
    );
    await waitFor(() => expect(screen.getAllByTestId('offer')).toHaveLength(3));
    expect(announcer.assertive).toContain('Ms Jones');
    expect(notTranslated(announcer.assertive)).toBe('');

    await fireEvent.click(screen.getAllByTestId('offer')[0]!.querySelector('button.primary')!);
    await waitFor(() => expect(screen.getByTestId('offer-message').textContent).toContain('16:05'));
    expect(english(container)).toEqual([]);
    expect(notTranslated(announcer.polite)).toBe('');
  });

  it('fair start, the queue and the waiting lists', async () => {
    const status: FairStartStatusView = {
      eventId: event.id,
      mode: 'fair_start',
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      windowEndsAt: new Date(EVENING + 3 * 3_600_000 + 10 * 60_000).toISOString(),
      allocationLocalTime: '19:10',
      allocatedAt: null,
      seedSha256: 'ab'.repeat(32),
      seed: null,
      collecting: true,
      requests: [{ studentId: 'kid', teacherId: 't1', rank: 1, outcome: 'pending', bookingId: null }],
      queueLimit: 100,
      offerMinutes: 15,
    };
    const { api } = scriptedApi({
      [`GET /events/${event.id}/fair-start`]: () => ({ ok: true, data: status }),
      [`POST /events/${event.id}/queue`]: () => ({
        ok: true,
        data: { eventId: event.id, admitted: false, position: 7, estimatedWaitSeconds: 240 },
      }),
      [`DELETE /events/${event.id}/queue`]: () => ({
        ok: true,
        data: { eventId: event.id, admitted: false, position: 0, estimatedWaitSeconds: 0 },
      }),
      [`GET /events/${event.id}/waitlist`]: () => ({
        ok: true,
        data: {
          entries: [
            {
              id: 'w1',
              eventId: event.id,
              teacherId: 't2',
              familyId: 'fam',
              familySurname: 'Hill',
              studentId: 'kid',
              studentName: 'Oliver Hill',
              place: 2,
              mustSee: false,
              status: 'waiting',
            },
          ],
        },
      }),
    });
    const { socket, emit } = fakeSocket();
    const announcer = new Announcer();
    const fair = render(FairStartPanel, { api, socket, announcer, event, students, teacherName });
    await screen.findByTestId('fair-notice');
    await waitFor(() => expect(fair.container.querySelectorAll('.choices li')).toHaveLength(1));
    expect(english(fair.container)).toEqual([]);
    emit('fairstart:allocated', {
      eventId: event.id,
      granted: 2,
      unavailable: [{ studentId: 'sib', teacherId: 't2' }],
    });
    await screen.findByTestId('fair-message');
    expect(english(fair.container)).toEqual([]);
    expect(notTranslated(announcer.assertive)).toBe('');

    const queue = render(QueuePanel, { api, socket, announcer, event });
    await screen.findByTestId('queue');
    expect(english(queue.container)).toEqual([]);

    const lists = render(WaitlistPanel, { api, announcer, event, students, teacherName, version: 0 });
    await screen.findByTestId('waitlist-entry');
    expect(english(lists.container)).toEqual([]);
  });

  it('the feedback form, before and after sending', async () => {
    const { api } = adminApi({
      'POST /feedback': () => ({
        ok: true,
        data: { reference: 'FB-7Q2K', secret: 'ABCD-EFGH-JKMN-PQRS', acknowledgementQueued: true },
      }),
    });
    const announcer = new Announcer();
    const { container } = render(FeedbackForm, { api, announcer, onclose: () => undefined });
    await fireEvent.click(container.querySelector('button[type="submit"]')!);
    expect(screen.getByRole('alert').textContent).toContain('⟦');
    expect(english(container)).toEqual([]);

    await fireEvent.input(container.querySelector('#fb-subject')!, { target: { value: 'Slots' } });
    await fireEvent.input(container.querySelector('#fb-body')!, { target: { value: 'None left.' } });
    await fireEvent.click(container.querySelector('button[type="submit"]')!);
    await screen.findByTestId('feedback-reference');
    // The secret is data (shown once, to be copied), the rest is pseudo-text around the reference and link.
    const shown = english(container).filter((t) => !t.includes('ABCD-EFGH-JKMN-PQRS'));
    expect(shown).toEqual([]);
    expect(notTranslated(announcer.polite)).toBe('');
  });
});
