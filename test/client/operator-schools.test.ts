import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import SchoolsPanel from '../../client/src/operator/SchoolsPanel.svelte';
import TrafficTable from '../../client/src/operator/TrafficTable.svelte';
import type { OperatorOverview, SchoolSummary } from '../../protocol/schools.ts';
import { adminApi } from './fixtures/admin-api.ts';

const hill: SchoolSummary = {
  id: '33333333-3333-4333-8333-333333333333',
  code: 'HILL',
  name: 'Hillside',
  timeZone: 'Europe/London',
  retentionDays: 365,
  createdAt: '2026-09-01T09:00:00.000Z',
  suspendedAt: null,
  counts: { staff: 40, families: 600, students: 800, events: 2, confirmedBookings: 1234 },
};

describe('the operator’s schools', () => {
  it('lists schools with counts, sets the retention period, suspends after a confirmation and unsuspends', async () => {
    let current = hill;
    const { api, calls } = adminApi({
      'GET /operator/schools': () => ({ ok: true, data: { schools: [current] } }),
      [`PATCH /operator/schools/${hill.id}`]: (body) => {
        const b = body as { suspended?: boolean; retentionDays?: number };
        current = {
          ...current,
          ...(b.retentionDays ? { retentionDays: b.retentionDays } : {}),
          ...(b.suspended === undefined
            ? {}
            : { suspendedAt: b.suspended ? '2026-12-01T19:00:00.000Z' : null }),
        };
        return { ok: true, data: current };
      },
    });
    const announcer = new Announcer();
    render(SchoolsPanel, { api, announcer, onsignedout: () => {} });

    expect((await screen.findByTestId('state-HILL')).textContent).toBe('Active');
    expect(screen.getByText('1234')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Hillside' }));

    // Out of bounds: said on the screen, not sent.
    await fireEvent.input(screen.getByLabelText(/^Retention period of Hillside/), {
      target: { value: '20' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save retention period' }));
    expect(screen.getByRole('alert').textContent).toContain('from 30 to 3650');
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);

    await fireEvent.input(screen.getByLabelText(/^Retention period of Hillside/), {
      target: { value: '730' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save retention period' }));
    expect(calls.at(-1)).toEqual({
      method: 'PATCH',
      path: `/operator/schools/${hill.id}`,
      body: { retentionDays: 730 },
    });
    expect((await screen.findByTestId('retention-HILL')).textContent).toBe('730 days');
    expect(announcer.polite).toContain('Hillside now keeps personal data for 730 days');

    // Suspending asks first.
    await fireEvent.click(screen.getByRole('button', { name: 'Suspend Hillside…' }));
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
    expect(screen.getByText(/nobody can sign in until you unsuspend it/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, suspend Hillside' }));
    expect(calls.at(-1)?.body).toEqual({ suspended: true });
    expect((await screen.findByTestId('state-HILL')).textContent).toBe('Suspended');
    expect(announcer.polite).toContain('Hillside is suspended');

    await fireEvent.click(screen.getByRole('button', { name: 'Unsuspend Hillside' }));
    expect(calls.at(-1)?.body).toEqual({ suspended: false });
    await expect.poll(() => screen.getByTestId('state-HILL').textContent).toBe('Active');
  });

  it('creates a school and shows the server’s reasons when the input is refused', async () => {
    const made: SchoolSummary = {
      ...hill,
      id: '44444444-4444-4444-8444-444444444444',
      code: 'NEWS',
      name: 'Newstead',
    };
    let first = true;
    const { api, calls } = adminApi({
      'GET /operator/schools': () => ({ ok: true, data: { schools: [hill] } }),
      'POST /operator/schools': () => {
        if (first) {
          first = false;
          return {
            ok: false,
            error: {
              code: 'invalid_input',
              message: 'The request is not valid.',
              issues: [{ path: 'timeZone', message: 'Unknown time zone' }],
            },
          };
        }
        return { ok: true, data: { school: made, adminInvite: null } };
      },
    });
    const announcer = new Announcer();
    render(SchoolsPanel, { api, announcer, onsignedout: () => {} });
    await screen.findByTestId('state-HILL');
    await fireEvent.input(screen.getByLabelText(/^Code/), { target: { value: 'news' } });
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Newstead' } });
    await fireEvent.input(screen.getByLabelText(/^Time zone/), { target: { value: 'Mars/Base' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create school' }));
    expect(calls.at(-1)).toEqual({
      method: 'POST',
      path: '/operator/schools',
      body: { code: 'NEWS', name: 'Newstead', timeZone: 'Mars/Base', retentionDays: 365 },
    });
    expect((await screen.findByRole('alert')).textContent).toContain('timeZone: Unknown time zone');

    await fireEvent.input(screen.getByLabelText(/^Time zone/), { target: { value: 'Europe/London' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create school' }));
    expect((await screen.findByTestId('state-NEWS')).textContent).toBe('Active');
    expect(announcer.polite).toContain('Newstead created');
  });

  it('ends the operator session when the token is refused', async () => {
    const { api } = adminApi({
      'GET /operator/schools': () => ({ ok: false, error: { code: 'forbidden', message: 'Not allowed.' } }),
    });
    const ended: string[] = [];
    render(SchoolsPanel, { api, announcer: new Announcer(), onsignedout: (m: string) => ended.push(m) });
    await expect.poll(() => ended.length).toBe(1);
    expect(ended[0]).toContain('operator session has ended');
  });
});

describe('the operator’s traffic table', () => {
  it('shows totals and page views per day and per page across schools', async () => {
    const overview: OperatorOverview = {
      schools: 3,
      staff: 90,
      families: 1500,
      confirmedBookings: 4200,
      traffic: {
        from: '2026-11-01',
        to: '2026-11-30',
        days: [{ day: '2026-11-20', views: 812, visits: 301 }],
        pages: [{ page: 'parent', views: 700, visits: 280 }],
      },
    };
    const { api } = adminApi({ 'GET /operator/overview': () => ({ ok: true, data: overview }) });
    render(TrafficTable, { api, onsignedout: () => {} });
    expect((await screen.findByTestId('totals')).textContent).toBe(
      '3 schools, 90 staff, 1500 families, 4200 confirmed bookings.',
    );
    const day = screen.getByRole('rowheader', { name: '2026-11-20' }).closest('tr')!;
    expect(day.textContent).toContain('812');
    expect(day.textContent).toContain('301');
    expect(screen.getByRole('rowheader', { name: 'parent' }).closest('tr')!.textContent).toContain('700');
  });
});
