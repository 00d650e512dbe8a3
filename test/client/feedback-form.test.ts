import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import FeedbackForm from '../../client/src/shared/FeedbackForm.svelte';
import { adminApi } from './fixtures/admin-api.ts';

describe('feedback or complaint form (signed in)', () => {
  it('sends a complaint about the school and shows its reference', async () => {
    const { api, calls } = adminApi({
      'POST /feedback': () => ({
        ok: true,
        data: { reference: 'FB-7Q2K', secret: 'ABCD-EFGH-JKMN-PQRS', acknowledgementQueued: true },
      }),
    });
    const announcer = new Announcer();
    render(FeedbackForm, { api, announcer, onclose: () => undefined });
    await fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert').textContent).toBe('Please fill in a subject and your message.');
    expect(calls).toHaveLength(0);

    await fireEvent.click(screen.getByRole('radio', { name: 'Complaint' }));
    await fireEvent.input(screen.getByLabelText('Subject'), { target: { value: ' Slots ' } });
    await fireEvent.input(screen.getByLabelText('Your message'), {
      target: { value: 'None left for Year 9.' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByTestId('feedback-reference')).textContent).toBe('FB-7Q2K');
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/feedback',
      body: { kind: 'complaint', about: 'school', subject: 'Slots', body: 'None left for Year 9.' },
    });
    expect(screen.getByText(/confirmation is on its way/)).toBeTruthy();
    // The secret is shown this once, with the way to the status page.
    expect(screen.getByTestId('feedback-secret').textContent).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(
      screen.getByRole('link', { name: 'follow its status and read the replies' }).getAttribute('href'),
    ).toBe('/feedback/status');
    expect(announcer.polite).toContain('FB-7Q2K');
  });
});
