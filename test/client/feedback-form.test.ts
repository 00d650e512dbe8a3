import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { type ScreenLocale, showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';
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
      body: {
        kind: 'complaint',
        about: 'school',
        subject: 'Slots',
        body: 'None left for Year 9.',
        language: 'en',
      },
    });
    expect(screen.getByText(/confirmation is on its way/)).toBeTruthy();
    // The secret is shown this once, with the way to the status page.
    expect(screen.getByTestId('feedback-secret').textContent).toBe('ABCD-EFGH-JKMN-PQRS');
    expect(
      screen.getByRole('link', { name: 'follow its status and read the replies' }).getAttribute('href'),
    ).toBe('/feedback/status');
    expect(announcer.polite).toContain('FB-7Q2K');
  });

  // The acknowledgement and the replies are mailed in the language the form was read in.
  async function sentIn(locale: ScreenLocale): Promise<unknown> {
    await showLanguage(locale);
    const { api, calls } = adminApi({
      'POST /feedback': () => ({
        ok: true,
        data: { reference: 'FB-7Q2K', secret: 'ABCD-EFGH-JKMN-PQRS', acknowledgementQueued: false },
      }),
    });
    const { container } = render(FeedbackForm, { api, announcer: new Announcer(), onclose: () => undefined });
    await fireEvent.input(container.querySelector('#fb-subject')!, { target: { value: 'Slots' } });
    await fireEvent.input(container.querySelector('#fb-body')!, { target: { value: 'None left.' } });
    await fireEvent.click(container.querySelector('button[type="submit"]')!);
    await screen.findByTestId('feedback-reference');
    expect(calls).toHaveLength(1);
    return (calls[0]!.body as { language?: string }).language;
  }
  afterEach(async () => {
    await showLanguage('en');
  });

  it.each([
    ['cy', 'cy'],
    ['ar', 'ar'],
    ['en-XA', undefined],
  ] as const)('shown in %s, it sends language %s (never the pseudo-locale)', async (shown, sent) => {
    expect(await sentIn(shown)).toBe(sent);
  });
});
