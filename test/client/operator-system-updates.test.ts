import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import SystemUpdates from '../../client/src/operator/SystemUpdates.svelte';
import type { SystemUpdateHistory } from '../../protocol/system-update.ts';
import { adminApi } from './fixtures/admin-api.ts';

const hillId = '33333333-3333-4333-8333-333333333333';

describe('the operator’s system-update mail', () => {
  it('previews, sends to one school after a confirmation, and lists what was sent', async () => {
    let updates: SystemUpdateHistory['updates'] = [];
    const { api, calls } = adminApi({
      'GET /operator/system-updates': () => ({ ok: true, data: { updates } }),
      'GET /operator/schools': () => ({
        ok: true,
        data: {
          schools: [
            {
              id: hillId,
              code: 'HILL',
              name: 'Hillside',
              timeZone: 'Europe/London',
              retentionDays: 365,
              createdAt: '2026-09-01T09:00:00.000Z',
              suspendedAt: null,
              counts: { staff: 1, families: 1, students: 1, events: 1, confirmedBookings: 0 },
            },
          ],
        },
      }),
      'POST /operator/system-updates/preview': (body) => {
        const b = body as { subject: string; body: string };
        return {
          ok: true,
          data: { subject: `Confer update: ${b.subject}`, text: `Dear Ms A. Admin,\n\n${b.body}`, html: '' },
        };
      },
      'POST /operator/system-updates': () => {
        updates = [
          {
            updateId: 'update-2026-12-01-abcdef',
            sent: 3,
            sending: 1,
            firstSentAt: '2026-12-01T19:00:00.000Z',
            lastSentAt: '2026-12-01T19:01:00.000Z',
          },
        ];
        return { ok: true, data: { updateId: 'update-2026-12-01-abcdef', admins: 4 } };
      },
    });
    const announcer = new Announcer();
    render(SystemUpdates, { api, announcer, onsignedout: () => {} });
    expect(await screen.findByText('No update has been sent yet.')).toBeTruthy();

    // Nothing written: neither previewed nor sent.
    await fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect(screen.getByRole('alert').textContent).toContain('Write a subject and a message first');
    await fireEvent.click(screen.getByRole('button', { name: 'Send…' }));
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await fireEvent.input(screen.getByLabelText('Subject'), { target: { value: 'Maintenance' } });
    await fireEvent.input(screen.getByLabelText('Message'), { target: { value: 'Down 06:00 to 07:00.' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    expect((await screen.findByTestId('preview-subject')).textContent).toBe('Confer update: Maintenance');
    expect(screen.getByTestId('preview-text').textContent).toContain('Down 06:00 to 07:00.');

    await screen.findByRole('option', { name: 'Admins of Hillside' });
    await fireEvent.change(screen.getByLabelText('To'), { target: { value: hillId } });
    await fireEvent.click(screen.getByRole('button', { name: 'Send…' }));
    expect(calls.filter((c) => c.path === '/operator/system-updates' && c.method === 'POST')).toHaveLength(0);
    expect(screen.getByText(/to the admins of Hillside who have not opted out/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, send it' }));
    expect(calls.find((c) => c.path === '/operator/system-updates' && c.method === 'POST')?.body).toEqual({
      subject: 'Maintenance',
      body: 'Down 06:00 to 07:00.',
      schoolId: hillId,
    });
    const row = await screen.findByTestId('update-update-2026-12-01-abcdef');
    expect(row.textContent).toContain('3');
    expect(announcer.polite).toContain('queued for 4 admins');
  });

  it('ends the operator session when the token is refused', async () => {
    const { api } = adminApi({
      'GET /operator/system-updates': () => ({
        ok: false,
        error: { code: 'forbidden', message: 'Not allowed.' },
      }),
      'GET /operator/schools': () => ({ ok: false, error: { code: 'forbidden', message: 'Not allowed.' } }),
    });
    const ended: string[] = [];
    render(SystemUpdates, { api, announcer: new Announcer(), onsignedout: (m: string) => ended.push(m) });
    await expect.poll(() => ended.length).toBe(1);
    expect(ended[0]).toContain('operator session has ended');
  });
});
