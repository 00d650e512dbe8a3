import type { InterpreterLoginResponse, InterpreterOwnSchedule } from '../../../../protocol/interpreters.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { InterpreterPrincipal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { consumeInterpreterLink } from './interpreter-links.ts';
import { interpreterSchedule } from './interpreter-schedule.ts';

/**
 * An interpreter's own door (docs/security.md, "Interpreters"): the one-time link of
 * their schedule mail becomes an ordinary session (same store, same idle time-out)
 * whose principal is the interpreter at that one event. What it may do is read that
 * schedule, hear the event's facts without names, and sign out.
 */
export class InterpreterSignIn {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionStore,
  ) {}

  async login(token: string): Promise<InterpreterLoginResponse> {
    const link = await consumeInterpreterLink(this.db, token);
    // Used, retired, expired, or for an archived event: all the same to the caller.
    if (!link)
      throw new DomainError(
        'unauthenticated',
        'This sign-in link has expired or was already used. Ask the school to mail your schedule again.',
      );
    const { rows } = await this.db.query<{ name: string; school_name: string; suspended: boolean }>(
      `SELECT i.name, sc.name AS school_name, sc.suspended_at IS NOT NULL AS suspended
         FROM interpreters i JOIN schools sc ON sc.id = i.school_id WHERE i.id = $1`,
      [link.interpreterId],
    );
    const r = rows[0]!;
    if (r.suspended)
      throw new DomainError(
        'forbidden',
        'This school’s Confer service is suspended, so nobody can sign in for now. Please contact the school.',
      );
    const session = await this.sessions.create({ kind: 'interpreter', ...link });
    return {
      token: session.token,
      idleTimeoutSeconds: Math.round(this.sessions.idleTimeoutMs / 1000),
      interpreter: { id: link.interpreterId, name: r.name },
      eventId: link.eventId,
      schoolName: r.school_name,
    };
  }

  /** The signed-in interpreter's meetings at their event, without the children's names. */
  async ownSchedule(p: InterpreterPrincipal): Promise<InterpreterOwnSchedule> {
    const s = await interpreterSchedule(this.db, p.schoolId, p.eventId, p.interpreterId);
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [
      p.schoolId,
    ]);
    return {
      eventId: s.eventId,
      eventName: s.eventName,
      schoolName: rows[0]?.name ?? '',
      timeZone: s.timeZone,
      interpreter: { id: s.interpreter.id, name: s.interpreter.name, languages: s.interpreter.languages },
      windows: s.windows,
      meetings: s.meetings.map(({ studentName: _child, ...m }) => m),
    };
  }

  async logout(token: string): Promise<string | null> {
    return this.sessions.revokeToken(token, 'logout');
  }
}
