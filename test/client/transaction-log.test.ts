import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TransactionLog from '../../client/src/admin/school/TransactionLog.svelte';
import type { TransactionEntry } from '../../protocol/transactions.ts';
import { adminApi } from './fixtures/admin-api.ts';

const entry = (over: Partial<TransactionEntry>): TransactionEntry => ({
  key: 'change:1',
  source: 'change',
  at: '2026-11-20T19:05:00.000Z',
  action: 'updateEvent',
  actorKind: 'staff',
  actorId: '11111111-1111-4111-8111-111111111111',
  actorName: 'Ms Admin',
  eventId: '22222222-2222-4222-8222-222222222222',
  target: { eventId: '22222222-2222-4222-8222-222222222222' },
  detail: {},
  ...over,
});

describe('record of every change', () => {
  it('speaks plainly for booking and other changes, and pages back with the cursor the server gave', async () => {
    const { api, calls } = adminApi({
      'GET /admin/transactions': () => ({
        ok: true,
        data: {
          entries: [
            entry({}),
            entry({
              key: 'booking:7',
              source: 'booking',
              action: 'confirmed',
              actorKind: 'family',
              actorName: 'Hill',
            }),
            entry({ key: 'change:2', action: 'fairStartDraw', actorKind: 'worker', actorName: null }),
            entry({ key: 'change:3', action: 'someNewOperation', actorKind: 'operator', actorName: null }),
          ],
          next: '1700000000000000.change.3',
        },
      }),
      'GET /admin/transactions?before=1700000000000000.change.3': () => ({
        ok: true,
        data: { entries: [entry({ key: 'change:0', action: 'eraseFamily' })], next: null },
      }),
    });
    render(TransactionLog, { api, timeZone: 'Europe/London' });
    expect(await screen.findByText('Changed event settings')).toBeTruthy();
    expect(screen.getByText('Booked')).toBeTruthy();
    expect(screen.getByText('Hill family')).toBeTruthy();
    expect(screen.getByText('Fair-start draw made')).toBeTruthy();
    expect(screen.getAllByText('Automatic (Confer)')).toHaveLength(1);
    // An operation this screen does not know yet is still readable, never a raw code.
    expect(screen.getByText('Some new operation')).toBeTruthy();
    expect(screen.getByText('The service operator')).toBeTruthy();
    expect(screen.queryByText('updateEvent')).toBeNull();

    await fireEvent.click(screen.getByRole('button', { name: 'Show older entries' }));
    expect(await screen.findByText('Erased a family’s data')).toBeTruthy();
    expect(calls.map((c) => c.path)).toEqual([
      '/admin/transactions',
      '/admin/transactions?before=1700000000000000.change.3',
    ]);
    expect(screen.queryByRole('button', { name: 'Show older entries' })).toBeNull();
  });
});
