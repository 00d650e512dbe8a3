import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import ServiceInbox from '../../client/src/operator/ServiceInbox.svelte';
import type { FeedbackDetail, FeedbackSummary } from '../../protocol/schools.ts';
import { adminApi } from './fixtures/admin-api.ts';

const summary: FeedbackSummary = {
  id: '22222222-2222-4222-8222-222222222222',
  reference: 'FB-SERV1234',
  kind: 'complaint',
  about: 'service',
  fromKind: 'public',
  subject: 'Too slow',
  status: 'new',
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};
const detail: FeedbackDetail = {
  ...summary,
  name: 'A User',
  email: 'user@example.org',
  body: 'The booking page took a minute.',
  replies: [],
};

describe('the operator’s service inbox', () => {
  it('answers a service complaint with a status, and the answer shows in the list and history', async () => {
    const { api, calls } = adminApi({
      'GET /operator/feedback': () => ({ ok: true, data: { items: [summary] } }),
      [`GET /operator/feedback/${summary.id}`]: () => ({ ok: true, data: detail }),
      [`POST /operator/feedback/${summary.id}/replies`]: (body) => {
        const b = body as { body: string; status?: 'resolved' };
        return {
          ok: true,
          data: {
            ...detail,
            status: b.status ?? detail.status,
            updatedAt: '2026-11-21T09:00:00.000Z',
            replies: [
              {
                at: '2026-11-21T09:00:00.000Z',
                authorKind: 'operator',
                authorName: 'Ops',
                body: b.body,
                statusTo: b.status ?? null,
              },
            ],
          },
        };
      },
    });
    const announcer = new Announcer();
    const ended: string[] = [];
    render(ServiceInbox, { api, announcer, onsignedout: (m: string) => ended.push(m) });

    expect((await screen.findByTestId('status-FB-SERV1234')).textContent).toBe('New');
    await fireEvent.click(screen.getByRole('button', { name: 'FB-SERV1234' }));
    expect((await screen.findByTestId('detail-status')).textContent).toBe('New');
    expect(screen.getByText('The booking page took a minute.')).toBeTruthy();

    // An empty answer is not sent: every answer goes to the sender.
    await fireEvent.click(screen.getByRole('button', { name: 'Send answer' }));
    expect(screen.getByRole('alert').textContent).toContain('Write the answer first');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await fireEvent.input(screen.getByLabelText(/^Answer/), { target: { value: 'Fixed: it loads in 2 s.' } });
    await fireEvent.change(screen.getByLabelText('Change status to'), { target: { value: 'resolved' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Send answer' }));
    expect(calls.at(-1)).toEqual({
      method: 'POST',
      path: `/operator/feedback/${summary.id}/replies`,
      body: { body: 'Fixed: it loads in 2 s.', status: 'resolved' },
    });
    expect((await screen.findByTestId('detail-status')).textContent).toBe('Resolved');
    expect(screen.getByTestId('status-FB-SERV1234').textContent).toBe('Resolved');
    expect(screen.getByText('Fixed: it loads in 2 s.')).toBeTruthy();
    expect(announcer.polite).toContain('Answer to FB-SERV1234 sent');
    expect(ended).toEqual([]);
  });

  it('ends the operator session when the token is refused', async () => {
    const { api } = adminApi({
      'GET /operator/feedback': () => ({ ok: false, error: { code: 'forbidden', message: 'Not allowed.' } }),
    });
    const ended: string[] = [];
    render(ServiceInbox, { api, announcer: new Announcer(), onsignedout: (m: string) => ended.push(m) });
    await expect.poll(() => ended.length).toBe(1);
    expect(ended[0]).toContain('operator session has ended');
  });
});
