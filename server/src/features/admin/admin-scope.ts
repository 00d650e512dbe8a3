import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { authorize } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';

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
  const { rows } = await q.query<ScopedEvent & { school_id: string }>(
    `SELECT e.id, e.name, e.school_id, sc.time_zone, e.slot_minutes, e.gap_minutes,
            e.archived_at IS NOT NULL AS archived
       FROM events e JOIN schools sc ON sc.id = e.school_id
      WHERE e.id = $1`,
    [eventId],
  );
  authorize(p, { kind: 'event', schoolId: rows[0]?.school_id ?? null });
  const { school_id: _school, ...e } = rows[0]!;
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

/** An active teacher of the principal's school, named by an admin (or by that teacher). */
export async function teacherInSchool(q: Queryable, p: Principal, staffId: string): Promise<ScopedTeacher> {
  const { rows } = await q.query<ScopedTeacher & { school_id: string }>(
    `SELECT id, school_id, title, first_name, surname FROM staff WHERE id = $1 AND is_teacher AND active`,
    [staffId],
  );
  authorize(p, { kind: 'teacher', schoolId: rows[0]?.school_id ?? null, staffId });
  const { school_id: _school, ...teacher } = rows[0]!;
  return teacher;
}

/** Only admins act here; the routes check too, but services must not rely on the edge. */
export function requireAdmin(p: Principal): asserts p is Extract<Principal, { kind: 'staff' }> {
  authorize(p, { kind: 'admin' });
}
