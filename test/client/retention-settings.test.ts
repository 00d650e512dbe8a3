import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import RetentionSettings from '../../client/src/admin/school/RetentionSettings.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';

const SETTINGS = { code: 'OAK', name: 'Oak Academy', retentionDays: 365, contactEmail: null };

describe('the school’s retention settings', () => {
  it('shows the period and changes it with the contact address', async () => {
    const { api, calls } = adminApi({
      'GET /admin/school/settings': () => ({ ok: true, data: SETTINGS }),
      'PATCH /admin/school/settings': (body) => ({
        ok: true,
        data: { ...SETTINGS, ...(body as object), contactEmail: 'office@oak.test' },
      }),
    });
    const announcer = new Announcer();
    render(RetentionSettings, { api, announcer });
    const days = (await screen.findByLabelText('Retention period (days)')) as HTMLInputElement;
    expect(days.value).toBe('365');
    expect(screen.getByRole('link', { name: 'privacy page' }).getAttribute('href')).toBe(
      '/privacy?school=OAK',
    );
    await fireEvent.input(days, { target: { value: '90' } });
    await fireEvent.input(screen.getByLabelText('Contact e-mail for data requests (optional)'), {
      target: { value: ' office@oak.test ' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(() => announcer.polite).toContain('kept for 90 days');
    expect(calls.at(-1)).toEqual({
      method: 'PATCH',
      path: '/admin/school/settings',
      body: { retentionDays: 90, contactEmail: 'office@oak.test' },
    });
  });

  it('says what is wrong with a period outside the bounds, without asking the server', async () => {
    const { api, calls } = adminApi({ 'GET /admin/school/settings': () => ({ ok: true, data: SETTINGS }) });
    render(RetentionSettings, { api, announcer: new Announcer() });
    const days = (await screen.findByLabelText('Retention period (days)')) as HTMLInputElement;
    await fireEvent.input(days, { target: { value: '7' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Enter a whole number of days from 30 to 3650.')).toBeTruthy();
    expect(days.getAttribute('aria-invalid')).toBe('true');
    expect(calls.filter((c) => c.method === 'PATCH')).toEqual([]);
  });
});
