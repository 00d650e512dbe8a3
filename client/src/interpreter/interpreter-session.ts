import type { InterpreterLoginResponse } from '../../../protocol/interpreters.ts';

// Its own key: an interpreter's session is never taken for a family's or staff member's.
const KEY = 'confer.interpreter-session';

/** The interpreter's session of this tab (sessionStorage only, like every session here). */
export function keptInterpreterSession(storage: Storage = sessionStorage): InterpreterLoginResponse | null {
  try {
    const raw = storage.getItem(KEY);
    return raw ? (JSON.parse(raw) as InterpreterLoginResponse) : null;
  } catch {
    return null;
  }
}

export function keepInterpreterSession(s: InterpreterLoginResponse, storage: Storage = sessionStorage): void {
  storage.setItem(KEY, JSON.stringify(s));
}

export function forgetInterpreterSession(storage: Storage = sessionStorage): void {
  storage.removeItem(KEY);
}
