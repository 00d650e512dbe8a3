import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import AvailabilityEditor from '../../client/src/admin/AvailabilityEditor.svelte';
import EventEditor from '../../client/src/admin/EventEditor.svelte';
import SittingsEditor from '../../client/src/admin/SittingsEditor.svelte';
import MyAvailability from '../../client/src/teacher/MyAvailability.svelte';
import NotBookedFamilies from '../../client/src/teacher/NotBookedFamilies.svelte';
import type {
  EventAvailabilityView,
  MyAvailabilityView,
  TeacherAvailabilityView,
} from '../../protocol/admin.ts';
import type { Ack } from '../../protocol/errors.ts';
import type { NotBookedView } from '../../protocol/invitations.ts';
import type { EventView } from '../../protocol/schemas.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event, iso, SCHOOL_ZONE } from './fixtures/grid-data.ts';

// A component is given new props by its parent without being mounted again (Svelte 5
// keeps the instance): what it shows, reads and writes must follow them. These are the
// teacher's screens and the admin's event settings.
const first = event;
const second: EventView = {
  ...event,
  id: '00000000-0000-4000-8000-0000000000e2',
  name: 'Year 11 evening',
  slotMinutes: 10,
};
const date = '2026-11-30';
const teacher = (teacherId: string, displayName: string, room: string): TeacherAvailabilityView => ({
  teacherId,
  displayName,
  room,
  windows: [{ date, from: '16:00', to: '19:00' }],
  breaks: [],
  slotMinutes: 5,
});
const khan = teacher('00000000-0000-4000-8000-0000000000a1', 'Ms Khan', 'B12');
const osei = teacher('00000000-0000-4000-8000-0000000000a2', 'Mr Osei', 'C3');
const availability = (e: EventView, t: TeacherAvailabilityView): Ack<EventAvailabilityView> => ({
  ok: true,
  data: { eventId: e.id, timeZone: SCHOOL_ZONE, teachers: [t] },
});
const noStaff = () => ({ ok: true as const, data: { staff: [] } });
const mine = (e: EventView, room: string): Ack<MyAvailabilityView> => ({
  ok: true,
  data: {
    eventId: e.id,
    timeZone: SCHOOL_ZONE,
    deadlineAt: '2026-11-29T17:00:00.000Z',
    open: true,
    hours: null,
    availability: { ...khan, room },
  },
});
const notBooked = (e: EventView, surname: string): Ack<NotBookedView> => ({
  ok: true,
  data: {
    eventId: e.id,
    bookingOpen: true,
    sentLastHour: 0,
    perHour: 30,
    families: [
      {
        familyId: '00000000-0000-4000-8000-0000000000f1',
        surname,
        children: [
          { studentId: '00000000-0000-4000-8000-0000000000f7', name: `Ada ${surname}`, className: '9B' },
        ],
        lastInvitedAt: null,
        cannotInvite: null,
        canInviteAt: null,
      },
    ],
  },
});

describe('teacher and event-settings components follow their props', () => {
  it('the availability editor reads and saves the event it is given now', async () => {
    const { api, calls } = adminApi({
      [`GET /admin/events/${first.id}/availability`]: () => availability(first, khan),
      [`GET /admin/events/${second.id}/availability`]: () => availability(second, osei),
      'GET /admin/staff': noStaff,
      [`PUT /admin/events/${second.id}/teachers/${osei.teacherId}/availability`]: () => ({
        ok: true,
        data: { availability: osei, slots: { created: 18, removed: 0, kept: 0, blocked: 0 }, version: 2 },
      }),
    });
    const { rerender } = render(AvailabilityEditor, { api, event: first });
    await screen.findByText('Ms Khan');
    await rerender({ event: second });
    await screen.findByText('Mr Osei');
    expect(screen.queryByText('Ms Khan')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'Save and generate slots' }));
    await screen.findByText(/Mr Osei: 18 slots created/);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /admin/events/${first.id}/availability`,
      'GET /admin/staff',
      `GET /admin/events/${second.id}/availability`,
      'GET /admin/staff',
      `PUT /admin/events/${second.id}/teachers/${osei.teacherId}/availability`,
    ]);
  });

  it('the availability editor drops a late answer for the event left behind', async () => {
    let answerFirst: (a: Ack<unknown>) => void = () => {};
    const late = new Promise<Ack<unknown>>((resolve) => {
      answerFirst = resolve;
    });
    const { api } = adminApi({
      [`GET /admin/events/${second.id}/availability`]: () => availability(second, osei),
      'GET /admin/staff': noStaff,
    });
    const get = api.get;
    api.get = <T>(path: string) => (path.includes(first.id) ? (late as Promise<Ack<T>>) : get<T>(path));
    const { rerender } = render(AvailabilityEditor, { api, event: first });
    await rerender({ event: second });
    await screen.findByText('Mr Osei');
    answerFirst(availability(first, khan));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByText('Ms Khan')).toBeNull();
    expect(screen.getByText('Mr Osei')).toBeTruthy();
  });

  it('the teacher’s own availability reads the event it is given now', async () => {
    const { api, calls } = adminApi({
      [`GET /teacher/events/${first.id}/availability`]: () => mine(first, 'B12'),
      [`GET /teacher/events/${second.id}/availability`]: () => mine(second, 'Hall'),
    });
    const { rerender } = render(MyAvailability, { api, event: first });
    await expect.poll(() => (screen.queryByLabelText('Room') as HTMLInputElement | null)?.value).toBe('B12');
    await rerender({ event: second });
    await expect.poll(() => (screen.getByLabelText('Room') as HTMLInputElement).value).toBe('Hall');
    expect(calls.map((c) => c.path)).toEqual([
      `/teacher/events/${first.id}/availability`,
      `/teacher/events/${second.id}/availability`,
    ]);
  });

  it('families who have not booked the teacher are read again for another event', async () => {
    const { api, calls } = adminApi({
      [`GET /teacher/events/${first.id}/not-booked`]: () => notBooked(first, 'Okafor'),
      [`GET /teacher/events/${second.id}/not-booked`]: () => notBooked(second, 'Lund'),
    });
    const { rerender } = render(NotBookedFamilies, { api, event: first, booked: 3 });
    await screen.findByText(/Ada Okafor/);
    await rerender({ event: second });
    await screen.findByText(/Ada Lund/);
    expect(screen.queryByText(/Ada Okafor/)).toBeNull();
    // One more booking for the second event: its list is read again, not the first's.
    await rerender({ booked: 4 });
    await expect.poll(() => calls.length).toBe(3);
    expect(calls.map((c) => c.path)).toEqual([
      `/teacher/events/${first.id}/not-booked`,
      `/teacher/events/${second.id}/not-booked`,
      `/teacher/events/${second.id}/not-booked`,
    ]);
  });

  it('the event editor shows and saves the event it is given now', async () => {
    const { api, calls } = adminApi({
      [`PATCH /admin/events/${second.id}`]: (body) => ({
        ok: true,
        data: { ...second, ...(body as object) },
      }),
    });
    const { rerender } = render(EventEditor, { api, timeZone: SCHOOL_ZONE, event: first, onsaved: () => {} });
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Test evening');
    await rerender({ event: second });
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('Year 11 evening');
    expect((screen.getByLabelText(/Slot length/) as HTMLInputElement).value).toBe('10');
    await fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]!.path).toBe(`/admin/events/${second.id}`);
    expect((calls[0]!.body as EventView).name).toBe('Year 11 evening');
  });

  it('the sittings editor shows the sittings of the event it is given now and saves them there', async () => {
    const withSittings: EventView = {
      ...second,
      sittings: [
        { id: 'a', startsAt: iso(0), endsAt: iso(60), label: 'Afternoon' },
        { id: 'b', startsAt: iso(120), endsAt: iso(180), label: 'Evening' },
      ],
    };
    const { api, calls } = adminApi({
      [`PUT /admin/events/${second.id}/sittings`]: () => ({ ok: true, data: withSittings }),
    });
    const { rerender } = render(SittingsEditor, {
      api,
      timeZone: SCHOOL_ZONE,
      event: first,
      onsaved: () => {},
    });
    expect(screen.getByText(/None yet/)).toBeTruthy();
    await rerender({ event: withSittings });
    const labels = screen.getAllByLabelText('Label (optional)') as HTMLInputElement[];
    expect(labels.map((l) => l.value)).toEqual(['Afternoon', 'Evening']);
    // A field typed into after the change is what is sent.
    await fireEvent.input(labels[1]!, { target: { value: 'Late' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save sittings' }));
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]!.path).toBe(`/admin/events/${second.id}/sittings`);
    expect((calls[0]!.body as { sittings: { label: string }[] }).sittings.map((s) => s.label)).toEqual([
      'Afternoon',
      'Late',
    ]);
  });
});
