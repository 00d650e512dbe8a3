import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import { ExpectedTimes } from '../../client/src/parent/fairness/expected-times.svelte.ts';
import FairStartPanel from '../../client/src/parent/fairness/FairStartPanel.svelte';
import FullTeachers from '../../client/src/parent/fairness/FullTeachers.svelte';
import ItineraryPlanner from '../../client/src/parent/fairness/ItineraryPlanner.svelte';
import type { LiveSocket } from '../../client/src/parent/fairness/live-socket.ts';
import OfferList from '../../client/src/parent/fairness/OfferList.svelte';
import QueuePanel from '../../client/src/parent/fairness/QueuePanel.svelte';
import Itinerary from '../../client/src/parent/Itinerary.svelte';
import type { FairStartStatusView, ItineraryProposalView, OfferViewT } from '../../protocol/fairness.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import {
  booking,
  EVENING,
  event,
  gridWorld,
  iso,
  itineraryProps,
  scriptedApi,
  slot,
  teachers,
} from './fixtures/grid-data.ts';

/** A socket double: the panels only listen; the test plays the server's part. */
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
  return { socket: socket as unknown as LiveSocket, emit, handlers };
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

function status(extra: Partial<FairStartStatusView> = {}): FairStartStatusView {
  return {
    eventId: event.id,
    mode: 'fair_start',
    opensAt: new Date(Date.now() - 60_000).toISOString(),
    // 19:10 in London is 19:10 UTC in November; the test runs in Pacific/Chatham (UTC+13:45),
    // where the browser's own clock would say 08:55 the next day.
    windowEndsAt: new Date(EVENING + 3 * 3_600_000 + 10 * 60_000).toISOString(),
    allocationLocalTime: '19:10',
    allocatedAt: null,
    seedSha256: 'ab'.repeat(32),
    seed: null,
    collecting: true,
    requests: [],
    queueLimit: null,
    offerMinutes: 15,
    ...extra,
  };
}

describe('fair start (parent)', () => {
  it('says "your requests are in; allocation at 19:10" in the school zone, sends ranked choices, and shows the draw live', async () => {
    const sent: unknown[] = [];
    const { api } = scriptedApi({
      [`GET /events/${event.id}/fair-start`]: () => ({ ok: true, data: status() }),
      [`PUT /events/${event.id}/fair-start/requests`]: (body) => {
        sent.push(body);
        const choices = (body as { choices: { studentId: string; teacherId: string }[] }).choices;
        return {
          ok: true,
          data: status({
            requests: choices.map((c, i) => ({
              ...c,
              rank: i + 1,
              outcome: 'pending' as const,
              bookingId: null,
            })),
          }),
        };
      },
    });
    const { socket, emit } = fakeSocket();
    const announcer = new Announcer();
    const onallocated = vi.fn();
    render(FairStartPanel, { api, socket, announcer, event, students, teacherName, onallocated });

    const notice = await screen.findByTestId('fair-notice');
    expect(notice.textContent).toContain('Allocation at 19:10.');
    expect(notice.textContent).not.toContain('08:55');

    const add = screen.getByLabelText('Add a teacher') as HTMLSelectElement;
    await fireEvent.change(add, { target: { value: 'sib|t2' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await fireEvent.change(add, { target: { value: 'kid|t1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    // Oliver's Mr Smith matters most: move it to the top.
    await fireEvent.click(screen.getByRole('button', { name: 'Move Mr Smith for Oliver up' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Send my requests' }));

    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toEqual({
      choices: [
        { studentId: 'kid', teacherId: 't1' },
        { studentId: 'sib', teacherId: 't2' },
      ],
    });
    await waitFor(() =>
      expect(screen.getByTestId('fair-notice').textContent).toBe(
        'Your requests are in; allocation at 19:10.',
      ),
    );

    emit('fairstart:allocated', {
      eventId: event.id,
      granted: 1,
      unavailable: [{ studentId: 'sib', teacherId: 't2' }],
    });
    await waitFor(() =>
      expect(screen.getByTestId('fair-message').textContent).toContain(
        'you have 1 appointment; 1 of your requests could not be met',
      ),
    );
    expect(announcer.assertive).toContain('The allocation has run');
    expect(onallocated).toHaveBeenCalledTimes(1);
  });

  it('before opening, says when requests can be sent instead of offering the form', async () => {
    const opensAt = new Date(EVENING + 3 * 3_600_000).toISOString();
    const { api } = scriptedApi({
      [`GET /events/${event.id}/fair-start`]: () => ({ ok: true, data: status({ opensAt }) }),
    });
    render(FairStartPanel, {
      api,
      socket: fakeSocket().socket,
      announcer: new Announcer(),
      event,
      students,
      teacherName,
      now: EVENING,
    });
    await screen.findByTestId('fair-notice');
    expect(screen.getByText(/You can send your requests from Mon 30 Nov, 19:00/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send my requests' })).toBeNull();
  });

  it('shows nothing for a first-come-first-served event', async () => {
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/fair-start`]: () => ({
        ok: true,
        data: status({ mode: 'fcfs', collecting: false }),
      }),
    });
    const { socket } = fakeSocket();
    const { container } = render(FairStartPanel, {
      api,
      socket,
      announcer: new Announcer(),
      event,
      students,
      teacherName,
    });
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(container.querySelector('[data-testid="fair-start"]')).toBeNull();
  });
});

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

describe('waiting-list offers (parent)', () => {
  it('shows the countdown, accepting books it, declining passes it on, and a live offer appears', async () => {
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/offers/mine`]: () => ({ ok: true, data: { offers: [offer('o1')] } }),
      'POST /offers/o1/accept': () => ({
        ok: true,
        data: { offer: offer('o1', { status: 'accepted', bookingId: 'b1' }), booking: {} },
      }),
      'POST /offers/o2/decline': () => ({
        ok: true,
        data: offer('o2', { status: 'declined', teacherId: 't2', teacherName: 'Ms Jones' }),
      }),
    });
    const { socket, emit } = fakeSocket();
    const clock = new Clock();
    const onbooked = vi.fn();
    const announcer = new Announcer();
    render(OfferList, { api, socket, announcer, event, students, clock, onbooked });

    const item = await screen.findByTestId('offer');
    expect(item.textContent).toContain('16:05–16:10');
    expect(item.textContent).toContain('Mr Smith for Oliver');
    expect(item.textContent).toMatch(/1[45]:\d\d left to answer/);

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
    await waitFor(() => expect(screen.getAllByTestId('offer')).toHaveLength(2));
    expect(announcer.assertive).toContain('16:20 with Ms Jones for Amelia');

    await fireEvent.click(screen.getAllByRole('button', { name: 'Accept' })[0]!);
    await waitFor(() =>
      expect(screen.getByTestId('offer-message').textContent).toBe('Booked 16:05 with Mr Smith for Oliver.'),
    );
    expect(onbooked).toHaveBeenCalledTimes(1);
    expect(screen.getAllByTestId('offer')).toHaveLength(1);

    await fireEvent.click(screen.getByRole('button', { name: 'Decline' }));
    await waitFor(() =>
      expect(screen.getByTestId('offer-message').textContent).toContain(
        'Declined 16:20 with Ms Jones for Amelia',
      ),
    );
    expect(screen.queryAllByTestId('offer')).toHaveLength(0);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /events/${event.id}/offers/mine`,
      'POST /offers/o1/accept',
      'POST /offers/o2/decline',
    ]);
  });

  it('a lapsed offer leaves the list when the server says so', async () => {
    const { api } = scriptedApi({
      [`GET /events/${event.id}/offers/mine`]: () => ({ ok: true, data: { offers: [offer('o1')] } }),
    });
    const { socket, emit } = fakeSocket();
    render(OfferList, { api, socket, announcer: new Announcer(), event, students, clock: new Clock() });
    await screen.findByTestId('offer');
    emit('offer:ended', { offerId: 'o1', eventId: event.id, status: 'lapsed' });
    await waitFor(() => expect(screen.queryAllByTestId('offer')).toHaveLength(0));
  });
});

describe('itinerary planner (parent)', () => {
  it('proposes school-zone times, offers the waiting list for a full teacher, and holds all of it at once', async () => {
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
      provenBest: true,
    };
    const { api, calls } = scriptedApi({
      [`POST /events/${event.id}/itinerary/propose`]: () => ({ ok: true, data: proposal }),
      [`POST /events/${event.id}/itinerary/hold`]: () => ({ ok: true, data: { bookings: [{}, {}] } }),
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
    const onheld = vi.fn();
    render(ItineraryPlanner, { api, announcer: new Announcer(), event, students, teacherName, onheld });

    const [oliverSmith, oliverJones, ameliaJones] = screen.getAllByRole('checkbox');
    await fireEvent.click(oliverSmith!);
    await fireEvent.click(oliverJones!);
    await fireEvent.click(ameliaJones!);
    await fireEvent.input(screen.getByLabelText('I can arrive from'), { target: { value: '16:10' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Propose my times' }));

    const items = await screen.findAllByTestId('proposed-meeting');
    expect(items.map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      '16:10–16:15 Mr Smith for Oliver · Room 1',
      '16:20–16:25 Ms Jones for Amelia · Room 2',
    ]);
    expect(screen.queryByTestId('not-proven-best')).toBeNull();
    // The arrival time was typed in the school's zone, not the browser's.
    expect(calls[0]!.body).toEqual({
      children: [
        { studentId: 'kid', teacherIds: ['t1', 't2'] },
        { studentId: 'sib', teacherIds: ['t2'] },
      ],
      arriveAt: iso(10),
    });
    expect(screen.getByTestId('unplaced').textContent).toContain('Ms Jones for Oliver is fully booked');

    await fireEvent.click(screen.getByRole('button', { name: 'Join the waiting list' }));
    await waitFor(() => expect(screen.getByTestId('planner-message').textContent).toContain('place 2'));
    expect(calls[1]!.body).toEqual({ studentId: 'kid', teacherId: 't2', arriveAt: iso(10) });

    await fireEvent.click(screen.getByRole('button', { name: 'Hold all 2 times' }));
    await waitFor(() => expect(onheld).toHaveBeenCalledTimes(1));
    expect(calls[2]!.body).toEqual({
      meetings: [
        { studentId: 'kid', slotId: 't1-s2' },
        { studentId: 'sib', slotId: 't2-s4' },
      ],
    });
    expect(screen.getByTestId('planner-message').textContent).toContain('Confirm my appointments');
  });
});

describe('virtual queue (parent)', () => {
  it('joins the line when the event meters families, shows the place live, and lets the family in', async () => {
    const { api, calls } = scriptedApi({
      [`GET /events/${event.id}/fair-start`]: () => ({
        ok: true,
        data: status({ mode: 'fcfs', collecting: false, queueLimit: 100 }),
      }),
      [`POST /events/${event.id}/queue`]: () => ({
        ok: true,
        data: { eventId: event.id, admitted: false, position: 7, estimatedWaitSeconds: 240 },
      }),
      [`DELETE /events/${event.id}/queue`]: () => ({
        ok: true,
        data: { eventId: event.id, admitted: false, position: 0, estimatedWaitSeconds: 0 },
      }),
    });
    const { socket, emit } = fakeSocket();
    const announcer = new Announcer();
    const { unmount } = render(QueuePanel, { api, socket, announcer, event });
    const box = await screen.findByTestId('queue');
    expect(box.textContent).toContain('number 7 in line; about 4 minutes to wait');
    emit('queue:position', { eventId: event.id, position: 2, estimatedWaitSeconds: 60 });
    await waitFor(() =>
      expect(screen.getByTestId('queue').textContent).toContain('number 2 in line; about 60 seconds'),
    );
    emit('queue:admitted', { eventId: event.id });
    await waitFor(() => expect(screen.queryByTestId('queue')).toBeNull());
    expect(announcer.assertive).toBe('It is your turn: you can book now.');
    unmount();
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /events/${event.id}/fair-start`,
      `POST /events/${event.id}/queue`,
      `DELETE /events/${event.id}/queue`,
    ]);
  });
});

describe('running late (parent)', () => {
  it('the itinerary shows the new expected time live, and drops it when the teacher is back on time', async () => {
    const b = booking(slot('t1', 1), 'confirmed');
    const { api } = scriptedApi({
      [`GET /events/${event.id}/itinerary/expected`]: () => ({
        ok: true,
        data: { eventId: event.id, meetings: [] },
      }),
    });
    const { socket, emit } = fakeSocket();
    const announcer = new Announcer();
    const expected = new ExpectedTimes(api, socket, announcer, event, () => [b]);
    await expected.load();
    render(Itinerary, itineraryProps([b], { expected: expected.byBooking }));
    expect(screen.queryByTestId('expected-time')).toBeNull();
    emit('teacher:running-late', {
      eventId: event.id,
      teacherId: 't1',
      minutes: 15,
      clearsAt: iso(60),
      meetings: [{ bookingId: b.id, startsAt: b.startsAt, expectedAt: iso(20) }],
    });
    await waitFor(() =>
      expect(screen.getByTestId('expected-time').textContent).toBe('Running late: now expected at 16:20'),
    );
    expect(announcer.assertive).toBe(
      'Mr Smith is running 15 minutes late: your 16:05 is now expected at 16:20.',
    );
    expect(expected.notice).toBe(announcer.assertive);
    emit('teacher:running-late', {
      eventId: event.id,
      teacherId: 't1',
      minutes: 0,
      clearsAt: iso(0),
      meetings: [],
    });
    await waitFor(() => expect(screen.queryByTestId('expected-time')).toBeNull());
    expect(expected.notice).toBe('Mr Smith is back on time.');
    expected.dispose();
  });
});

describe('waiting list from the grid (parent)', () => {
  it('names a fully booked teacher under the grid and joins their waiting list', async () => {
    const { api, calls } = scriptedApi({
      [`POST /events/${event.id}/waitlist`]: () => ({
        ok: true,
        data: {
          id: 'w1',
          eventId: event.id,
          teacherId: 't1',
          familyId: 'fam',
          familySurname: 'Hill',
          studentId: 'kid',
          studentName: 'Oliver Hill',
          place: 3,
          mustSee: false,
          status: 'waiting',
        },
      }),
    });
    const w = gridWorld([slot('t1', 0, 'booked'), slot('t1', 1, 'held'), slot('t2', 0, 'free')], api);
    const onjoined = vi.fn();
    render(FullTeachers, {
      api,
      announcer: w.announcer,
      event,
      student: students[0]!,
      teachers,
      live: w.live,
      family: w.family,
      onjoined,
    });
    const rows = screen.getAllByTestId('full-teacher');
    expect(rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Mr Smith is fully booked. Join Mr Smith’s waiting list for Oliver',
    ]);
    await fireEvent.click(screen.getByRole('button', { name: 'Join Mr Smith’s waiting list for Oliver' }));
    await waitFor(() => expect(onjoined).toHaveBeenCalledTimes(1));
    // The first call reads the lines the child is already in; then the join.
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ studentId: 'kid', teacherId: 't1' });
    expect(screen.getByText('You are on Mr Smith’s waiting list for Oliver (place 3).')).toBeTruthy();
  });
});

describe('itinerary planner (parent), when time ran out', () => {
  it('says the plan is the best found in the time allowed', async () => {
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
      ],
      unplaced: [],
      waitingMinutes: 0,
      firstStartsAt: iso(10),
      lastEndsAt: iso(15),
      provenBest: false,
    };
    const { api } = scriptedApi({
      [`POST /events/${event.id}/itinerary/propose`]: () => ({ ok: true, data: proposal }),
    });
    render(ItineraryPlanner, {
      api,
      announcer: new Announcer(),
      event,
      students,
      teacherName,
      onheld: vi.fn(),
    });
    await fireEvent.click(screen.getAllByRole('checkbox')[0]!);
    await fireEvent.click(screen.getByRole('button', { name: 'Propose my times' }));
    expect((await screen.findByTestId('not-proven-best')).textContent).toBe(
      'Best found in the time allowed.',
    );
  });
});
