import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import NotBookedFamilies from '../../client/src/teacher/NotBookedFamilies.svelte';
import type { NotBookedView } from '../../protocol/invitations.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

const BASE = `/teacher/events/${event.id}`;
const fam = (n: number) => `00000000-0000-4000-8000-0000000000f${n}`;

function view(over: Partial<NotBookedView> = {}): NotBookedView {
  return {
    eventId: event.id,
    bookingOpen: true,
    sentLastHour: 2,
    perHour: 30,
    families: [
      {
        familyId: fam(1),
        surname: 'Okafor',
        children: [{ studentId: fam(7), name: 'Ada Okafor', className: '9B' }],
        lastInvitedAt: null,
        cannotInvite: null,
        canInviteAt: null,
      },
      {
        familyId: fam(2),
        surname: 'Byrne',
        children: [{ studentId: fam(8), name: 'Sean Byrne', className: '9B' }],
        lastInvitedAt: null,
        cannotInvite: 'opted_out',
        canInviteAt: null,
      },
      {
        familyId: fam(3),
        surname: 'Lund',
        children: [{ studentId: fam(9), name: 'Eva Lund', className: '9C' }],
        lastInvitedAt: '2026-11-29T10:00:00.000Z',
        cannotInvite: 'invited_recently',
        canInviteAt: '2026-11-30T10:00:00.000Z',
      },
    ],
    ...over,
  };
}

describe('families who have not booked the teacher', () => {
  it('lists them with why some cannot be invited, and invites only the chosen ones who can', async () => {
    let sent = false;
    const { api, calls } = adminApi({
      [`GET ${BASE}/not-booked`]: () => ({ ok: true, data: sent ? view({ sentLastHour: 3 }) : view() }),
      [`POST ${BASE}/invitations`]: () => {
        sent = true;
        return {
          ok: true,
          data: {
            invited: [{ familyId: fam(1), invitationId: fam(5) }],
            skipped: [],
            sentLastHour: 3,
            perHour: 30,
          },
        };
      },
    });
    render(NotBookedFamilies, { api, event });
    expect((await screen.findByRole('heading', { name: /have not booked you \(3\)/ })).tagName).toBe('H2');
    expect(screen.getByText(/28 left now/)).toBeTruthy();
    const rows = screen.getAllByTestId('not-booked-family');
    expect(rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Okafor family Ada Okafor (9B)',
      'Byrne family Sean Byrne (9B) Asked not to receive invitations',
      expect.stringMatching(/^Lund family Eva Lund \(9C\) Invited; again from /),
    ]);
    // Only the family who can be invited has a box to tick.
    expect(screen.getAllByRole('checkbox')).toHaveLength(1);
    const button = screen.getByRole('button', { name: 'Invite 0 families to book' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Okafor family' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Invite 1 family to book' }));
    await expect.poll(() => calls.some((c) => c.method === 'POST')).toBe(true);
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ familyIds: [fam(1)] });
    expect((await screen.findByRole('status')).textContent).toBe('1 invitation sent.');
  });

  it('says the hourly allowance is used up, with the wait the server gave', async () => {
    const { api } = adminApi({
      [`GET ${BASE}/not-booked`]: () => ({ ok: true, data: view() }),
      [`POST ${BASE}/invitations`]: () => ({
        ok: false,
        error: {
          code: 'rate_limited',
          message: 'You can send 30 invitations an hour; none are left now.',
          retryAfter: 600,
        },
      }),
    });
    render(NotBookedFamilies, { api, event });
    await fireEvent.click(await screen.findByRole('button', { name: 'Select all who can be invited' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Invite 1 family to book' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'You can send 30 invitations an hour; none are left now. (about 10 minutes)',
    );
  });

  it('reads the list again when the timeline says one more slot is booked', async () => {
    let reads = 0;
    const { api } = adminApi({
      [`GET ${BASE}/not-booked`]: () => {
        reads++;
        return { ok: true, data: reads === 1 ? view() : view({ families: view().families.slice(1) }) };
      },
    });
    const r = render(NotBookedFamilies, { api, event, booked: 4 });
    expect(await screen.findByRole('heading', { name: /\(3\)/ })).toBeTruthy();
    await r.rerender({ api, event, booked: 5 });
    expect(await screen.findByRole('heading', { name: /\(2\)/ })).toBeTruthy();
    expect(reads).toBe(2);
  });

  it('offers no invitation once booking has closed', async () => {
    const { api } = adminApi({
      [`GET ${BASE}/not-booked`]: () => ({ ok: true, data: view({ bookingOpen: false }) }),
    });
    render(NotBookedFamilies, { api, event });
    expect(await screen.findByText(/Booking has closed/)).toBeTruthy();
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /Invite/ })).toBeNull();
  });
});
