import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SlotPanel from '../../client/src/admin/SlotPanel.svelte';
import type { EventView, SlotView, TeacherView } from '../../protocol/schemas.ts';
import { adminApi } from './fixtures/admin-api.ts';

const event: EventView = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Year 9 evening',
  timeZone: 'Europe/London',
  bookingOpensAt: '2025-03-01T09:00:00.000Z',
  bookingClosesAt: '2025-03-10T12:00:00.000Z',
  cancelCutoffAt: '2025-03-10T12:00:00.000Z',
  slotMinutes: 5,
  gapMinutes: 0,
  maxPerStudent: 6,
  holdSeconds: 120,
  startsAt: '2025-03-11T16:00:00.000Z',
  endsAt: '2025-03-11T19:00:00.000Z',
  archived: false,
  sharedChildMode: 'joint',
  availabilityDeadlineAt: null,
  sittings: [],
};
const teacher: TeacherView = {
  id: '22222222-2222-4222-8222-222222222222',
  displayName: 'Ms A. Lovelace',
  room: 'B12',
};
const bookingId = '33333333-3333-4333-8333-333333333333';
const slot: SlotView = {
  id: '44444444-4444-4444-8444-444444444444',
  teacherId: teacher.id,
  startsAt: '2025-03-11T17:05:00.000Z',
  endsAt: '2025-03-11T17:10:00.000Z',
  room: 'B12',
  state: 'booked',
  heldUntil: null,
  version: 3,
  occupant: {
    bookingId,
    familyId: '55555555-5555-4555-8555-555555555555',
    familySurname: 'Okafor',
    studentId: '66666666-6666-4666-8666-666666666666',
    studentName: 'Chidi Okafor',
    status: 'confirmed',
  },
};

function panel() {
  const results: [string, boolean][] = [];
  const { api, calls: all } = adminApi({
    [`POST /bookings/${bookingId}/cancel`]: () => ({ ok: true, data: {} }),
    // The panel reads who interprets the meeting (none here): not a change.
    [`GET /admin/events/${event.id}/teachers/${teacher.id}/schedule`]: () => ({
      ok: false,
      error: { code: 'not_found', message: 'Not found.' },
    }),
  });
  const calls = () => all.filter((c) => c.method !== 'GET');
  render(SlotPanel, {
    api,
    event,
    slot,
    teacher,
    onmove: () => {},
    onclose: () => {},
    onresult: (text: string, ok: boolean) => results.push([text, ok]),
  });
  return { calls, results };
}

describe("the admin's slot panel speaks plainly", () => {
  it('says Booked and confirmed, never the stored codes', () => {
    panel();
    const text = document.body.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('B12 · Booked · Chidi Okafor, Okafor family (confirmed)');
    expect(text).not.toMatch(/· booked ·/);
  });
});

describe("the admin's Cancel booking asks first", () => {
  it('names whose appointment with whom at what time, and cancels only on yes', async () => {
    const { calls, results } = panel();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel booking' }));
    // Nothing sent yet: the first click only asks.
    expect(calls()).toHaveLength(0);
    const question = screen.getByRole('alertdialog');
    expect(question.textContent?.replace(/\s+/g, ' ')).toMatch(
      /Cancel Chidi Okafor’s appointment \(Okafor family\) with Ms A\. Lovelace at 17:05 on .*11.*March.*\?/,
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel this appointment' }));
    expect(calls().map((c) => `${c.method} ${c.path}`)).toEqual([`POST /bookings/${bookingId}/cancel`]);
    expect(results[0]?.[1]).toBe(true);
    expect(results[0]?.[0]).toMatch(/Cancelled Chidi Okafor's appointment/);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('“Keep it” cancels nothing', async () => {
    const { calls } = panel();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel booking' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls()).toHaveLength(0);
  });
});
