import type { z } from 'zod';
import type { OperatorLoginResponse } from '../../../protocol/schools.ts';

/**
 * The operator's session: its own key, apart from a school session (confer.session),
 * so one tab never sends an operator token to a school route or the other way round.
 * sessionStorage only, as for school sessions: it dies with the tab.
 */
const KEY = 'confer.operator';

/** The operator's token and who they are, as the sign-in answers them. */
export type OperatorSession = z.infer<typeof OperatorLoginResponse>;

export function loadOperatorSession(storage: Storage = sessionStorage): OperatorSession | null {
  try {
    const raw = storage.getItem(KEY);
    return raw ? (JSON.parse(raw) as OperatorSession) : null;
  } catch {
    return null;
  }
}

export function saveOperatorSession(s: OperatorSession, storage: Storage = sessionStorage): void {
  storage.setItem(KEY, JSON.stringify(s));
}

export function clearOperatorSession(storage: Storage = sessionStorage): void {
  storage.removeItem(KEY);
}
