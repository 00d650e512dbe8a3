import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FeedbackInbox from '../../client/src/admin/school/FeedbackInbox.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { FeedbackDetail, FeedbackSummary } from '../../protocol/schools.ts';
import { adminApi } from './fixtures/admin-api.ts';

const summary: FeedbackSummary = {
  id: '11111111-1111-4111-8111-111111111111',
  reference: 'FB-0001',
  kind: 'complaint',
  about: 'school',
  fromKind: 'family',
  subject: 'No slots left',
  status: 'new',
  // 23:30 UTC is 12:15 the next day in Chatham and 23:30 in London: times follow the school.
  createdAt: '2026-11-20T23:30:00.000Z',
  updatedAt: '2026-11-20T23:30:00.000Z',
};
const detail: FeedbackDetail = {
  ...summary,
  name: 'Hill',
  email: null,
  body: 'Mr Smith was full.',
  replies: [],
};

describe('feedback inbox', () => {
  it('opens an item and moves it to in progress with a reply, in the list and the history', async () => {
    const { api, calls } = adminApi({
      'GET /admin/feedback': () => ({ ok: true, data: { items: [summary] } }),
      [`GET /admin/feedback/${summary.id}`]: () => ({ ok: true, data: detail }),
      [`POST /admin/feedback/${summary.id}/replies`]: (body) => {
        const b = body as { body: string; status?: 'in_progress' };
        return {
          ok: true,
          data: {
            ...detail,
            status: b.status ?? detail.status,
            updatedAt: '2026-11-21T09:00:00.000Z',
            replies: [
              {
                at: '2026-11-21T09:00:00.000Z',
                authorKind: 'staff',
                authorName: 'Ms Admin',
                body: b.body,
                statusTo: b.status ?? null,
              },
            ],
          },
        };
      },
    });
    const announcer = new Announcer();
    render(FeedbackInbox, { api, announcer, timeZone: 'Europe/London' });

    expect((await screen.findByTestId('status-FB-0001')).textContent).toBe('New');
    expect(screen.getByText('Fri 20 Nov, 23:30')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'FB-0001' }));
    expect((await screen.findByTestId('detail-status')).textContent).toBe('New');
    expect(screen.getByText('No replies yet.')).toBeTruthy();

    await fireEvent.input(
      screen.getByLabelText('Reply (e-mailed to the sender and shown on their status page)'),
      { target: { value: 'Looking into it.' } },
    );
    await fireEvent.change(screen.getByLabelText('Change status to'), { target: { value: 'in_progress' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(calls.at(-1)).toEqual({
      method: 'POST',
      path: `/admin/feedback/${summary.id}/replies`,
      body: { body: 'Looking into it.', status: 'in_progress' },
    });
    expect((await screen.findByTestId('detail-status')).textContent).toBe('In progress');
    expect(screen.getByTestId('status-FB-0001').textContent).toBe('In progress');
    expect(screen.getByText('Looking into it.')).toBeTruthy();
    expect(screen.getByText(/Ms Admin, .* status: In progress/)).toBeTruthy();
    expect(announcer.polite).toContain('FB-0001 is now in progress');
  });
});
