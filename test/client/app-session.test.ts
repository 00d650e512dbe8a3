import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import App from '../../client/src/App.svelte';
import type { ConferClientSocket } from '../../client/src/lib/live-connection.svelte.ts';
import { loadSession, saveSession } from '../../client/src/lib/session.ts';
import type { LoginResponse } from '../../protocol/schemas.ts';
import { familyMe } from './fixtures/family-me.ts';

/** A socket double: never connects; the test plays the server's part. */
function fakeSocket(token: string) {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const socket = {
    token,
    closed: false,
    connected: false,
    active: false,
    on(name: string, fn: (p: unknown) => void) {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)!.add(fn);
      return socket;
    },
    off(name: string, fn: (p: unknown) => void) {
      handlers.get(name)?.delete(fn);
      return socket;
    },
    removeAllListeners() {
      handlers.clear();
      return socket;
    },
    connect() {
      return socket;
    },
    disconnect() {
      socket.closed = true;
      return socket;
    },
    serverSends(name: string, payload: unknown) {
      for (const fn of handlers.get(name) ?? []) fn(payload);
    },
  };
  return socket;
}

const me = familyMe();

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the app’s live connection', () => {
  it('is made once per session and closed when the session ends; a new sign-in makes a new one', async () => {
    // The server: sign-in answers; everything else is away (the views show that and stay up).
    vi.stubGlobal('fetch', async (input: string | URL, init?: RequestInit) => {
      if (String(input).endsWith('/auth/family/login') && init?.method === 'POST') {
        const body: LoginResponse = { token: 'second', idleTimeoutSeconds: 1800, me };
        return new Response(JSON.stringify(body), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'Away.' } }), {
        status: 503,
      });
    });
    saveSession({ token: 'first', me });
    const sockets: ReturnType<typeof fakeSocket>[] = [];
    const connect = (token: string) => {
      const s = fakeSocket(token);
      sockets.push(s);
      return s as unknown as ConferClientSocket;
    };
    render(App, { connect });
    expect(sockets.map((s) => s.token)).toEqual(['first']);

    sockets[0]!.serverSends('session:ended', { reason: 'idle_timeout', message: 'You were away too long.' });
    expect((await screen.findByTestId('signed-out-notice')).textContent).toBe('You were away too long.');
    expect(sockets[0]!.closed).toBe(true);
    expect(loadSession()).toBeNull();
    expect(sockets).toHaveLength(1);

    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form')!);
    await expect.poll(() => sockets.map((s) => s.token)).toEqual(['first', 'second']);
    expect(sockets[1]!.closed).toBe(false);
  });
});
