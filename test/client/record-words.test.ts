import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import BookingLog from '../../client/src/admin/school/BookingLog.svelte';
import FeedbackInbox from '../../client/src/admin/school/FeedbackInbox.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { BookingLogEntry, FeedbackSummary } from '../../protocol/schools.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

const id = (n: number) =>
  `${String(n).repeat(8)}-${String(n).repeat(4)}-4${String(n).repeat(3)}-8${String(n).repeat(3)}-${String(n).repeat(12)}`;

function entry(
  n: number,
  action: string,
  actorKind: BookingLogEntry['actorKind'],
  actorName: string | null,
): BookingLogEntry {
  return {
    id: n,
    at: '2026-11-20T17:00:00.000Z',
    action,
    actorKind,
    actorId: actorKind === 'system' ? null : id(n),
    actorName,
    bookingId: id(2),
    slotId: id(3),
    teacherName: 'Mr Smith',
    slotStartsAt: '2026-11-30T16:00:00.000Z',
    familyId: id(4),
    familySurname: 'Hill',
    studentId: id(5),
    studentName: 'Oliver Hill',
    version: n,
  };
}

/** Raw words: the admin screens say what happened, not the stored code. */
describe('the admin screens speak plainly', () => {
  it('the booking log shows what happened and who did it in words, never the stored action code', async () => {
    const entries = [
      entry(1, 'held', 'family', 'Hill'),
      entry(2, 'confirmed', 'family', 'Hill'),
      entry(3, 'expired', 'system', null),
      entry(4, 'moved', 'staff', 'Ms Admin'),
      entry(5, 'cancelled', 'staff', null),
      entry(6, 'hold_expired', 'system', null),
    ];
    const { api } = adminApi({
      [`GET /admin/events/${event.id}/log`]: () => ({ ok: true, data: { archived: false, entries } }),
    });
    render(BookingLog, { api, event, timeZone: 'Europe/London' });
    const table = await screen.findByRole('table');
    const rows = [...table.querySelectorAll('tbody tr')].map((r) =>
      [...r.children].slice(1, 3).map((c) => c.textContent),
    );
    expect(rows).toEqual([
      ['Held', 'Hill family'],
      ['Booked', 'Hill family'],
      ['Hold ran out', 'Automatic (Confer)'],
      ['Moved', 'Staff: Ms Admin'],
      ['Cancelled', 'Staff'],
      // A code this client does not know yet is still readable.
      ['Hold expired', 'Automatic (Confer)'],
    ]);
    const text = table.textContent ?? '';
    for (const raw of ['confirmed', 'held', 'system', 'family:', 'staff:', 'hold_expired'])
      expect(text).not.toContain(raw);
  });

  it('the feedback inbox shows the kind and the sender in words, in the list and the detail', async () => {
    const summary: FeedbackSummary = {
      id: id(1),
      reference: 'FB-0001',
      kind: 'complaint',
      about: 'school',
      fromKind: 'public',
      subject: 'No slots left',
      status: 'in_progress',
      createdAt: '2026-11-20T23:30:00.000Z',
      updatedAt: '2026-11-20T23:30:00.000Z',
    };
    const { api } = adminApi({
      'GET /admin/feedback': () => ({ ok: true, data: { items: [summary] } }),
      [`GET /admin/feedback/${summary.id}`]: () => ({
        ok: true,
        data: { ...summary, name: 'Hill', email: null, body: 'Mr Smith was full.', replies: [] },
      }),
    });
    render(FeedbackInbox, { api, announcer: new Announcer(), timeZone: 'Europe/London' });
    const row = (await screen.findByRole('button', { name: 'FB-0001' })).closest('tr')!;
    expect([...row.querySelectorAll('td')].map((c) => c.textContent)).toEqual([
      'No slots left',
      'Complaint',
      'Not signed in',
      expect.stringMatching(/^\S/),
      'In progress',
    ]);
    await fireEvent.click(screen.getByRole('button', { name: 'FB-0001' }));
    const detail = await screen.findByRole('article');
    expect(detail.querySelector('p')!.textContent).toMatch(/^Complaint from Hill \(not signed in\), /);
    expect(detail.textContent).not.toMatch(/\b(complaint|public|in_progress)\b/);
  });
});
