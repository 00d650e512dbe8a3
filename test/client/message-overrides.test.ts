import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import MessageOverrides from '../../client/src/admin/school/MessageOverrides.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { OverridableMessage } from '../../protocol/languages.ts';
import { adminApi } from './fixtures/admin-api.ts';

const messages = (override: string | null): OverridableMessage[] => [
  {
    key: 'login_heading',
    english: 'Book your parents’ evening',
    placeholders: [],
    override: null,
    updatedAt: null,
  },
  {
    key: 'fair_teacher_for_child',
    english: '{teacher} for {child}',
    placeholders: ['child', 'teacher'],
    override,
    updatedAt: override ? '2026-01-01T10:00:00.000Z' : null,
  },
];

describe('wording for families', () => {
  it('finds a text, shows its English and placeholders, saves and clears the school’s own', async () => {
    const { api, calls } = adminApi({
      'GET /admin/messages?locale=cy': () => ({ ok: true, data: { locale: 'cy', messages: messages(null) } }),
      'PUT /admin/messages/cy/fair_teacher_for_child': (body) => ({
        ok: true,
        data: { locale: 'cy', key: 'fair_teacher_for_child', text: (body as { text: string }).text },
      }),
      'DELETE /admin/messages/cy/fair_teacher_for_child': () => ({
        ok: true,
        data: { locale: 'cy', key: 'fair_teacher_for_child', text: null },
      }),
    });
    const announcer = new Announcer();
    render(MessageOverrides, { api, announcer });
    expect(await screen.findByText('No texts changed for Welsh yet.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText('Find a text'), { target: { value: 'for {child' } });
    await fireEvent.click(await screen.findByRole('button', { name: /\{teacher\} for \{child\}/ }));
    expect(screen.getByText('{child}')).toBeTruthy();
    const box = screen.getByLabelText('Your text in Welsh') as HTMLTextAreaElement;
    expect(box.getAttribute('lang')).toBe('cy');
    await fireEvent.input(box, { target: { value: '{teacher} i {child}' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await expect.poll(() => announcer.polite).toContain('now see your text');
    expect(calls.at(-1)).toEqual({
      method: 'PUT',
      path: '/admin/messages/cy/fair_teacher_for_child',
      body: { text: '{teacher} i {child}' },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Use the standard text again' }));
    await expect.poll(() => announcer.polite).toContain('standard text');
    expect(calls.at(-1)?.method).toBe('DELETE');
  });

  it('shows a refused placeholder beside the text, and asks again for another language', async () => {
    const { api, calls } = adminApi({
      'GET /admin/messages?locale=cy': () => ({
        ok: true,
        data: { locale: 'cy', messages: messages('x {child}') },
      }),
      'GET /admin/messages?locale=pl': () => ({ ok: true, data: { locale: 'pl', messages: messages(null) } }),
      'PUT /admin/messages/cy/fair_teacher_for_child': () => ({
        ok: false,
        error: {
          code: 'unknown_placeholder',
          message: 'The text uses a {placeholder} the English message does not have.',
          issues: [
            { path: 'text', message: '{pupil} is not in this message; it can use {child}, {teacher}.' },
          ],
        },
      }),
    });
    render(MessageOverrides, { api, announcer: new Announcer() });
    // With nothing searched, the texts the school changed are listed.
    await fireEvent.click(await screen.findByRole('button', { name: /fair_teacher_for_child · changed/ }));
    const box = screen.getByLabelText('Your text in Welsh') as HTMLTextAreaElement;
    expect(box.value).toBe('x {child}');
    await fireEvent.input(box, { target: { value: '{pupil}' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('{pupil} is not in this message; it can use {child}, {teacher}.'),
    ).toBeTruthy();
    expect(box.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'pl' } });
    await expect.poll(() => calls.some((c) => c.path === '/admin/messages?locale=pl')).toBe(true);
    expect(await screen.findByText('No texts changed for Polish yet.')).toBeTruthy();
  });
});
