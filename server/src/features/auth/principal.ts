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

/** The key under which a principal's idempotency keys live. */
export function principalKey(p: Principal): string {
  return p.kind === 'family' ? `family:${p.familyId}` : `staff:${p.staffId}`;
}

/** A principal before its session exists. */
export type NewPrincipal = Principal extends infer P
  ? P extends Principal
    ? Omit<P, 'sessionId'>
    : never
  : never;

/** The family a principal is, if it is one (staff acting for a family are not queued). */
export function familyOf(p: Principal): string | undefined {
  return p.kind === 'family' ? p.familyId : undefined;
}
