import type { Me } from '../../../protocol/schemas.ts';

/**
 * The signed-in session. The token lives in sessionStorage only (never a cookie,
 * never localStorage): it dies with the tab, and no other site can send it for us.
 */
export interface StoredSession {
  token: string;
  me: Me;
}

const KEY = 'confer.session';

export function loadSession(storage: Storage = sessionStorage): StoredSession | null {
  try {
    const raw = storage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

export function saveSession(s: StoredSession, storage: Storage = sessionStorage): void {
  storage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(KEY);
}
