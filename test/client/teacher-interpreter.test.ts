import { render, screen, waitFor } from '@testing-library/svelte';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import SlotPanel from '../../client/src/admin/SlotPanel.svelte';
import type { ApiClient } from '../../client/src/lib/api.ts';
import type { AppContext } from '../../client/src/lib/app-context.ts';
import type { LiveConnection } from '../../client/src/lib/live-connection.svelte.ts';
import { keptTimeline } from '../../client/src/teacher/kept-timeline.ts';
import TeacherView from '../../client/src/teacher/TeacherView.svelte';
import type { TeacherAppointment, TeacherSchedule } from '../../protocol/admin.ts';
import type { Ack } from '../../protocol/errors.ts';
import type { AvailabilitySnapshot, EventView, SlotView } from '../../protocol/schemas.ts';
import type { SlotFact } from '../../protocol/socket-events.ts';

// Issue 18: a teacher is told who interprets each meeting that has an interpreter,
// "Polish interpreter: Ola Nowak", on the timeline (and an admin on a booked slot's
// panel). Snapshots and facts carry the family, not the interpreter: the timeline
// reads the teacher's schedule, and again after a fact brings a new meeting.
// TeacherView loads these parts lazily. Loaded here first, so that none is still loading
// when this file ends: the client project's files share one worker (isolate: false), and
// CI saw such a late import land after the file's teardown (EnvironmentTeardownError).
beforeAll(async () => {
  await Promise.all([
    import('../../client/src/shared/ServiceMessageBanner.svelte'),
    import('../../client/src/admin/fairness/FairnessAdmin.svelte'),
    import('../../client/src/teacher/NotBookedFamilies.svelte'),
    import('../../client/src/teacher/MyAvailability.svelte'),
  ]);
});

const ZONE = 'Europe/London';
const teacherId = '00000000-0000-4000-8000-0000000000a1';
const event: EventView = {
  id: '00000000-0000-4000-8000-0000000000e1',
  name: 'Year 9 evening',
  timeZone: ZONE,
  // Open now, so it is the evening the teacher's page picks.
  bookingOpensAt: '2020-01-01T09:00:00.000Z',
  bookingClosesAt: '2099-01-01T09:00:00.000Z',
  cancelCutoffAt: '2099-01-01T09:00:00.000Z',
  slotMinutes: 10,
  gapMinutes: 0,
  maxPerStudent: 6,
  holdSeconds: 120,
  startsAt: '2098-11-30T16:00:00.000Z',
  endsAt: '2098-11-30T17:00:00.000Z',
  archived: false,
  sharedChildMode: 'joint',
  availabilityDeadlineAt: null,
  sittings: [],
};
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const OLA = { name: 'Ola Nowak', language: 'pl' };
const MIHAI = { name: 'Mihai Popescu', language: 'ro' };

/** The teacher's n-th slot (10 minutes from 16:00), booked by family n when `surname` is given. */
function slot(n: number, surname?: string): SlotView {
  const startsAt = new Date(Date.UTC(2098, 10, 30, 16, n * 10)).toISOString();
  const endsAt = new Date(Date.UTC(2098, 10, 30, 16, n * 10 + 10)).toISOString();
  return {
    id: id(100 + n),
    teacherId,
    startsAt,
    endsAt,
    room: 'B12',
    state: surname ? 'booked' : 'free',
    heldUntil: null,
    version: 1,
    ...(surname
      ? {
          occupant: {
            bookingId: id(200 + n),
            familyId: id(300 + n),
            familySurname: surname,
            studentId: id(400 + n),
            studentName: `Child ${surname}`,
            status: 'confirmed' as const,
          },
        }
      : {}),
  };
}

/** The teacher's schedule as the server answers it: each booked slot with its interpreter. */
function schedule(slots: SlotView[], interpreters: Record<string, TeacherAppointment['interpreter']>) {
  const data: TeacherSchedule = {
    eventId: event.id,
    timeZone: ZONE,
    teacher: { id: teacherId, displayName: 'Ms Khan', room: 'B12' },
    entries: slots.map((s) => ({
      slotId: s.id,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      room: s.room,
      state: s.state,
      appointment: s.occupant
        ? {
            bookingId: s.occupant.bookingId,
            familyId: s.occupant.familyId,
            familySurname: s.occupant.familySurname,
            studentId: s.occupant.studentId,
            studentName: s.occupant.studentName,
            yearGroup: 'Year 9',
            className: '9B',
            status: 'confirmed',
            note: '',
            interpreter: interpreters[s.occupant.bookingId] ?? null,
          }
        : null,
    })),
  };
  return { ok: true, data } as Ack<TeacherSchedule>;
}

/** An API double: the given paths answered, every other read refused; each call recorded. */
function fakeApi(answers: Record<string, () => Ack<unknown>>) {
  const calls: string[] = [];
  const refused = { ok: false, error: { code: 'not_found', message: 'Not here.' } } as const;
  const api: ApiClient = {
    get: async <T>(path: string) => {
      calls.push(path);
      return (answers[path]?.() ?? refused) as Ack<T>;
    },
    write: async <T>() => refused as Ack<T>,
    file: async () => refused,
  };
  return { api, calls };
}

/** A live connection whose `event:join` answers the snapshot, and which can deliver facts. */
function liveConnection(snapshot: AvailabilitySnapshot) {
  const handlers = new Map<string, Set<(payload: unknown) => void>>();
  const socket = {
    connected: true,
    on: (e: string, fn: (payload: unknown) => void) => {
      if (!handlers.has(e)) handlers.set(e, new Set());
      handlers.get(e)!.add(fn);
    },
    off: (e: string, fn: (payload: unknown) => void) => handlers.get(e)?.delete(fn),
    emit: () => {},
    timeout: () => ({
      emit: (_e: string, _p: unknown, ack: (err: Error | null, res: Ack<AvailabilitySnapshot>) => void) =>
        ack(null, { ok: true, data: snapshot }),
    }),
  };
  const connection = {
    socket,
    status: 'live',
    onConnect: (fn: () => void) => {
      fn();
      return () => {};
    },
  } as unknown as LiveConnection;
  const deliver = (facts: SlotFact[]) => {
    for (const fn of handlers.get('slot:facts') ?? []) fn(facts);
  };
  return { connection, deliver };
}

function teacherCtx(api: ApiClient, connection: LiveConnection): AppContext {
  return {
    api,
    connection,
    announcer: { say: () => {}, alert: () => {} } as unknown as AppContext['announcer'],
    me: {
      kind: 'staff',
      sessionId: id(9),
      school: { id: id(5), code: 'HILL', name: 'Hillside', timeZone: ZONE },
      staff: {
        id: teacherId,
        displayName: 'Ms Khan',
        email: 'khan@hillside.test',
        isAdmin: false,
        isTeacher: true,
      },
    },
    signOut: () => {},
  };
}

const lineOf = (student: string) =>
  screen
    .getAllByTestId('teacher-appointment')
    .find((li) => li.textContent?.includes(student))
    ?.textContent?.replace(/\s+/g, ' ')
    .trim();

describe("the interpreter on the teacher's timeline", () => {
  it('names the interpreter of each meeting that has one, and appears after a live booking', async () => {
    const booked = [slot(0, 'Nowak'), slot(1, 'Okafor'), slot(2)];
    let current = schedule(booked, { [id(200)]: OLA });
    const { api, calls } = fakeApi({
      '/events': () => ({ ok: true, data: { events: [event] } }),
      [`/teacher/events/${event.id}/schedule`]: () => current,
    });
    const { connection, deliver } = liveConnection({
      eventId: event.id,
      version: 1,
      teachers: [{ id: teacherId, displayName: 'Ms Khan', room: 'B12' }],
      slots: booked,
    });
    render(TeacherView, { ctx: teacherCtx(api, connection) });

    await waitFor(() => expect(screen.getAllByTestId('teacher-interpreter')).toHaveLength(1));
    expect(lineOf('Child Nowak')).toContain('Child Nowak Nowak family Polish interpreter: Ola Nowak');
    // A meeting without an interpreter says nothing of one.
    expect(lineOf('Child Okafor')).not.toContain('interpreter');
    const reads = () => calls.filter((c) => c.endsWith('/schedule')).length;
    expect(reads()).toBe(1);

    // A family needing a Romanian interpreter books the free slot: the fact carries the family,
    // and the timeline reads the schedule again for the interpreter.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const now = [booked[0]!, booked[1]!, slot(2, 'Popa')];
      current = schedule(now, { [id(200)]: OLA, [id(202)]: MIHAI });
      deliver([
        {
          eventId: event.id,
          version: 2,
          kind: 'booked',
          reason: 'confirmed',
          slot: { ...now[2]!, version: 2 },
        },
      ]);
      expect(reads()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
    } finally {
      vi.useRealTimers();
    }
    expect(reads()).toBe(2);
    await waitFor(() => expect(lineOf('Child Popa')).toContain('Romanian interpreter: Mihai Popescu'));
    expect(lineOf('Child Nowak')).toContain('Polish interpreter: Ola Nowak');

    // Kept with the tab's timeline, for a reload while the service is away.
    await waitFor(() =>
      expect(keptTimeline(sessionStorage, teacherId)?.interpreters).toEqual({
        [id(200)]: OLA,
        [id(202)]: MIHAI,
      }),
    );

    // A fact about a meeting already read at that slot and time (a hold confirmed, say)
    // asks nothing more.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      deliver([
        {
          eventId: event.id,
          version: 3,
          kind: 'changed',
          reason: 'confirmed',
          slot: { ...booked[0]!, version: 3 },
        },
      ]);
      await vi.advanceTimersByTimeAsync(2_000);
    } finally {
      vi.useRealTimers();
    }
    expect(reads()).toBe(2);
  });
});

describe("the interpreter on the admin's slot panel", () => {
  it('names the interpreter of the booked meeting in the slot', async () => {
    const booked = slot(0, 'Nowak');
    const { api, calls } = fakeApi({
      [`/admin/events/${event.id}/teachers/${teacherId}/schedule`]: () =>
        schedule([booked], { [id(200)]: OLA }),
    });
    render(SlotPanel, {
      api,
      event,
      slot: booked,
      teacher: { id: teacherId, displayName: 'Ms Khan', room: 'B12' },
      onmove: () => {},
      onclose: () => {},
      onresult: () => {},
    });
    await waitFor(() =>
      expect(screen.getByTestId('slot-interpreter').textContent?.trim()).toBe(
        'Polish interpreter: Ola Nowak',
      ),
    );
    expect(calls).toEqual([`/admin/events/${event.id}/teachers/${teacherId}/schedule`]);
  });

  it('says nothing of an interpreter for a meeting without one, nor for a free slot', async () => {
    const booked = slot(1, 'Okafor');
    const { api, calls } = fakeApi({
      [`/admin/events/${event.id}/teachers/${teacherId}/schedule`]: () => schedule([booked], {}),
    });
    const props = {
      api,
      event,
      teacher: { id: teacherId, displayName: 'Ms Khan', room: 'B12' },
      onmove: () => {},
      onclose: () => {},
      onresult: () => {},
    };
    const { unmount } = render(SlotPanel, { ...props, slot: booked });
    await waitFor(() => expect(calls).toHaveLength(1));
    await Promise.resolve();
    expect(screen.queryByTestId('slot-interpreter')).toBeNull();
    unmount();
    render(SlotPanel, { ...props, slot: slot(2) });
    expect(screen.queryByTestId('slot-interpreter')).toBeNull();
    // A free slot has no meeting to ask about.
    expect(calls).toHaveLength(1);
  });
});
