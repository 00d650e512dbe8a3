import type { ErrorCode } from '../../../../protocol/errors.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from './principal.ts';

/**
 * What a principal asks to see or change, with the school that owns it (read by the
 * caller, usually in the same query that loads the thing). `schoolId: null` is a
 * thing that does not exist.
 */
export type Resource =
  /** An action only a school's admins take (in their own school). */
  | { kind: 'admin' }
  /** An event, or anything of one (a slot, its live facts): everyone of its school. */
  | { kind: 'event'; schoolId: string | null }
  /** A teacher's own things: that teacher, or an admin of the school. */
  | { kind: 'teacher'; schoolId: string | null; staffId: string }
  /** A family's own things: that family, or an admin acting for it. */
  | { kind: 'family'; schoolId: string | null; familyId: string };

/**
 * Why the principal may not reach the resource, or null. The one place the rules of
 * tenancy and roles are written; routes (http/route.ts), socket commands and services
 * ask here. Another school's thing answers `not_found`, exactly like a thing that
 * does not exist, so ids cannot be probed across tenants; a thing of one's own school
 * that one's role does not reach answers `forbidden`.
 */
export function refusal(p: Principal, r: Resource): ErrorCode | null {
  if (r.kind !== 'admin' && r.schoolId !== p.schoolId) return 'not_found';
  const admin = p.kind === 'staff' && p.isAdmin;
  switch (r.kind) {
    case 'admin':
      return admin ? null : 'forbidden';
    case 'event':
      return null;
    case 'teacher':
      return admin || (p.kind === 'staff' && p.staffId === r.staffId) ? null : 'forbidden';
    case 'family':
      return admin || (p.kind === 'family' && p.familyId === r.familyId) ? null : 'forbidden';
  }
}

export function permits(p: Principal, r: Resource): boolean {
  return refusal(p, r) === null;
}

const NOT_FOUND: Record<Resource['kind'], string | undefined> = {
  admin: undefined,
  event: 'This event does not exist.',
  teacher: 'This teacher does not exist.',
  family: 'This family does not exist.',
};

/** Throws the refusal as a DomainError (the routes and commands answer it), else returns. */
export function authorize(p: Principal, r: Resource): void {
  const code = refusal(p, r);
  if (code) throw new DomainError(code, code === 'not_found' ? NOT_FOUND[r.kind] : undefined);
}
