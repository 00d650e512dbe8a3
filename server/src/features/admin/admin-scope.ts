import type { Queryable } from '../../infra/db.ts';
import type { Principal } from '../auth/principal.ts';
import { DomainError } from '../domain-error.ts';

export interface ScopedEvent {
  id: string;
  name: string;
  time_zone: string;
  slot_minutes: number;
  gap_minutes: number;
  archived: boolean;
}

/**
 * The event, if it belongs to the principal's school. Another school's event answers
 * exactly like one that does not exist, so ids cannot be probed across tenants.
 * `forChange` also refuses archived events: they are a record and no longer move.
 */
export async function eventInSchool(
  q: Queryable,
  p: Principal,
  eventId: string,
  opts: { forChange?: boolean } = {},
): Promise<ScopedEvent> {
  const { rows } = await q.query<ScopedEvent>(
    `SELECT e.id, e.name, sc.time_zone, e.slot_minutes, e.gap_minutes, e.archived_at IS NOT NULL AS archived
       FROM events e JOIN schools sc ON sc.id = e.school_id
      WHERE e.id = $1 AND e.school_id = $2`,
    [eventId, p.schoolId],
  );
  const e = rows[0];
  if (!e) throw new DomainError('not_found', 'This event does not exist.');
  if (opts.forChange && e.archived)
    throw new DomainError('window_closed', 'This event is archived and can no longer change.');
  return e;
}

export interface ScopedTeacher {
  id: string;
  title: string;
  first_name: string;
  surname: string;
}

/** An active teacher of the principal's school. */
export async function teacherInSchool(q: Queryable, p: Principal, staffId: string): Promise<ScopedTeacher> {
  const { rows } = await q.query<ScopedTeacher>(
    `SELECT id, title, first_name, surname FROM staff
      WHERE id = $1 AND school_id = $2 AND is_teacher AND active`,
    [staffId, p.schoolId],
  );
  if (!rows[0]) throw new DomainError('not_found', 'This teacher does not exist.');
  return rows[0];
}

/** Only admins act here; the routes check too, but services must not rely on the edge. */
export function requireAdmin(p: Principal): asserts p is Extract<Principal, { kind: 'staff' }> {
  if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
}
