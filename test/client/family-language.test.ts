import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../client/src/App.svelte';
import { languageOnSignIn } from '../../client/src/lib/i18n/family-language.ts';
import { rememberLocale } from '../../client/src/lib/i18n/locale-choice.ts';
import { m, screenLocale, showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';
import { saveSession } from '../../client/src/lib/session.ts';
import type { LoginResponse, Me } from '../../protocol/schemas.ts';
import { familyMe, silentSocket } from './fixtures/family-me.ts';

const family = (language: 'cy' | 'pl' | null) => familyMe({ language });

/** A socket that never connects: these tests are about the language, not the live view. */
const connect = silentSocket;

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

/** The server: sign-in answers `me`, the school's words answer per language, the rest is away. */
function server(me: Me, words: Record<string, Record<string, string>>): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    const method = init?.method ?? 'GET';
    seen.push({
      method,
      path: `${url.pathname}${url.search}`,
      body: init?.body ? JSON.parse(String(init.body)) : null,
    });
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (url.pathname === '/api/v1/auth/family/login') {
      const body: LoginResponse = { token: 'tok', idleTimeoutSeconds: 1800, me };
      return json(200, body);
    }
    if (url.pathname === '/api/v1/messages/overrides') {
      const locale = url.searchParams.get('locale')!;
      return json(200, { locale, overrides: words[locale] ?? {} });
    }
    if (url.pathname === '/api/v1/me/language') return json(200, JSON.parse(String(init?.body)));
    return json(503, { error: { code: 'unavailable', message: 'Away.' } });
  });
  return seen;
}

afterEach(async () => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
  await showLanguage('en');
});

describe('a family’s language after sign-in', () => {
  it('the record decides unless the family chose one in this tab; a new choice is saved', () => {
    expect(languageOnSignIn(null, 'cy')).toEqual({ show: 'cy', save: null });
    expect(languageOnSignIn(null, null)).toEqual({ show: null, save: null });
    expect(languageOnSignIn('pl', 'cy')).toEqual({ show: null, save: 'pl' });
    expect(languageOnSignIn('pl', null)).toEqual({ show: null, save: 'pl' });
    expect(languageOnSignIn('cy', 'cy')).toEqual({ show: null, save: null });
    expect(languageOnSignIn('en-XA', 'cy')).toEqual({ show: null, save: null });
  });

  it('shows the saved language at sign-in, with the school’s own words for it', async () => {
    const seen = server(family('cy'), { cy: { login_heading: 'Noson rieni Hillside' } });
    saveSession({ token: 'tok', me: family('cy') });
    render(App, { connect });
    // The language's module is a chunk of its own, loaded on first use.
    await expect.poll(() => screenLocale(), { timeout: 15_000 }).toBe('cy');
    await expect.poll(() => m.login_heading()).toBe('Noson rieni Hillside');
    expect(seen.some((s) => s.path === '/api/v1/messages/overrides?locale=cy')).toBe(true);
    // Nothing to save: the family chose nothing in this tab.
    expect(seen.filter((s) => s.method === 'PUT')).toEqual([]);
  });

  it('keeps the language chosen in this tab and saves it on the record', async () => {
    rememberLocale('pl');
    await showLanguage('pl');
    const seen = server(family('cy'), {});
    render(App, { connect });
    await fireEvent.submit(screen.getByRole('button', { name: m.login_sign_in() }).closest('form')!);
    await expect
      .poll(() => seen.filter((s) => s.method === 'PUT'))
      .toEqual([{ method: 'PUT', path: '/api/v1/me/language', body: { language: 'pl' } }]);
    expect(screenLocale()).toBe('pl');
    expect(seen.some((s) => s.path === '/api/v1/messages/overrides?locale=pl')).toBe(true);
  });
});
