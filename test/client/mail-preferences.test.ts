import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MailPreferences from '../../client/src/admin/MailPreferences.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';

describe('an admin’s mail preferences', () => {
  it('shows the opt-out made from a mail and opts back in', async () => {
    let held = false;
    const { api, calls } = adminApi({
      'GET /admin/mail-preferences': () => ({
        ok: true,
        data: { email: 'head@school.test', systemUpdates: held },
      }),
      'PUT /admin/mail-preferences': (body) => {
        held = (body as { systemUpdates: boolean }).systemUpdates;
        return { ok: true, data: { email: 'head@school.test', systemUpdates: held } };
      },
    });
    const announcer = new Announcer();
    render(MailPreferences, { api, announcer });
    const box = (await screen.findByRole('checkbox', {
      name: /Send me service updates from the Confer operator \(to head@school.test\)/,
    })) as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    expect(calls.at(-1)).toEqual({
      method: 'PUT',
      path: '/admin/mail-preferences',
      body: { systemUpdates: true },
    });
    await expect.poll(() => announcer.polite).toContain('sent to you again');
    expect(box.checked).toBe(true);
  });

  it('puts the box back when the change is refused', async () => {
    const { api } = adminApi({
      'GET /admin/mail-preferences': () => ({ ok: true, data: { email: 'a@b.test', systemUpdates: true } }),
      'PUT /admin/mail-preferences': () => ({
        ok: false,
        error: { code: 'unavailable', message: 'The server is busy.' },
      }),
    });
    render(MailPreferences, { api, announcer: new Announcer() });
    const box = (await screen.findByRole('checkbox')) as HTMLInputElement;
    await fireEvent.click(box);
    expect((await screen.findByRole('alert')).textContent).toBe('The server is busy.');
    expect(box.checked).toBe(true);
  });
});
