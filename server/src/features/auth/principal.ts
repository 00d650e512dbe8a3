/** Who is making a request, as established from a session token. */
export type Principal =
  | {
      kind: 'family';
      sessionId: string;
      schoolId: string;
      familyId: string;
    }
  | {
      kind: 'staff';
      sessionId: string;
      schoolId: string;
      staffId: string;
      isAdmin: boolean;
      isTeacher: boolean;
    };

/**
 * An interpreter signed in by the one-time link of their schedule mail, for one event.
 * Deliberately not a `Principal`: every route, command and service written for families
 * and staff takes a `Principal`, so none of them can be handed an interpreter by
 * mistake. The edges let it reach only routes declared `access: 'interpreter'` and the
 * live room it joins at the handshake (docs/security.md, "Interpreters").
 */
export interface InterpreterPrincipal {
  kind: 'interpreter';
  sessionId: string;
  schoolId: string;
  interpreterId: string;
  eventId: string;
}

/** Whoever a session token stands for. */
export type SessionPrincipal = Principal | InterpreterPrincipal;

/** The key under which a principal's idempotency keys live. */
export function principalKey(p: Principal): string {
  return p.kind === 'family' ? `family:${p.familyId}` : `staff:${p.staffId}`;
}

/** A principal before its session exists. */
export type NewPrincipal = SessionPrincipal extends infer P
  ? P extends SessionPrincipal
    ? Omit<P, 'sessionId'>
    : never
  : never;

/** The family a principal is, if it is one (staff acting for a family are not queued). */
export function familyOf(p: Principal): string | undefined {
  return p.kind === 'family' ? p.familyId : undefined;
}
