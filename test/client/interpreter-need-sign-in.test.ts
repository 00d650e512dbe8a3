import { render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../client/src/App.svelte';
import type { ApiClient } from '../../client/src/lib/api.ts';
import { m } from '../../client/src/lib/i18n/messages.svelte.ts';
import { saveSession } from '../../client/src/lib/session.ts';
import { InterpreterSlots } from '../../client/src/parent/interpreter-slots.svelte.ts';
import { familyMe, silentSocket } from './fixtures/family-me.ts';
import { event } from './fixtures/grid-data.ts';

// Issue 18: the need a family said before (at import, to the school, or itself) is on its
// record, and /me carries it, so the screen shows it from sign-in, not only once an
// evening's snapshot arrives (or never, with no evening to book).
const me = familyMe({ interpreterLanguage: 'pl' });
const connect = silentSocket;

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('a family’s need of an interpreter after signing in again', () => {
  it('is shown from /me with no evening to book, and can be removed there', async () => {
    vi.stubGlobal('fetch', async (input: string | URL) => {
      const url = new URL(String(input), 'http://localhost');
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url.pathname === '/api/v1/events') return json(200, { events: [] });
      if (url.pathname === '/api/v1/messages/overrides') return json(200, { locale: 'en', overrides: {} });
      return json(503, { error: { code: 'unavailable', message: 'Away.' } });
    });
    saveSession({ token: 'tok', me });
    render(App, { connect });
    // No evening to book is told as news, not as a fault.
    const none = await screen.findByText(m.parent_no_evening());
    expect(none.getAttribute('role')).toBe('status');
    expect(none.className).toContain('notice');
    const select = (await screen.findByLabelText('I need an interpreter for:')) as HTMLSelectElement;
    expect(select.value).toBe('pl');
    expect(screen.getByRole('button', { name: 'I no longer need an interpreter' })).toBeTruthy();
  });

  it('follows the evening’s answers, and a saved change at once (an answer asked before it is dropped)', async () => {
    // The server's answers, each held until the test lets it go.
    const pending: { language: string | null; answer: () => void }[] = [];
    let needed: string | null = 'pl';
    const api = {
      get: (path: string) => {
        expect(path).toBe(`/events/${event.id}/interpreter`);
        const language = needed;
        return new Promise((resolve) => {
          pending.push({
            language,
            answer: () =>
              resolve({
                ok: true,
                data: { eventId: event.id, interpreter: language ? { language, freeSlotIds: [] } : null },
              }),
          });
        });
      },
    } as unknown as ApiClient;
    const slots = new InterpreterSlots(api, event.id, 5);
    // Not asked yet: the screen shows what /me said.
    expect(slots.language).toBeUndefined();
    slots.fromSnapshot({ language: 'pl', freeSlotIds: ['t1-s0'] });
    expect(slots.language).toBe('pl');

    // Asked while the need was Polish; then the family saves Romanian.
    const stale = slots.refresh();
    needed = 'ro';
    slots.needChanged('ro');
    expect(slots.language).toBe('ro');
    expect(pending.map((p) => p.language)).toEqual(['pl', 'ro']);
    pending[0]!.answer();
    await stale;
    expect(slots.language).toBe('ro');
    pending[1]!.answer();
    await vi.waitFor(() => expect(slots.state?.language).toBe('ro'));

    slots.needChanged(null);
    expect(slots.language).toBeNull();
    expect(slots.state).toBeNull();
    expect(pending).toHaveLength(2);
    slots.dispose();
  });
});
