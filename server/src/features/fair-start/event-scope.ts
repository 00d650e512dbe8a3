import type { Queryable } from '../../infra/db.ts';
import type { Principal } from '../auth/principal.ts';
import { DomainError } from '../domain-error.ts';

/** Another school's event (or none) is `not_found`, never an empty answer that confirms it exists. */
export async function requireSchoolEvent(q: Queryable, p: Principal, eventId: string): Promise<void> {
  const { rowCount } = await q.query('SELECT 1 FROM events WHERE id = $1 AND school_id = $2', [
    eventId,
    p.schoolId,
  ]);
  if (!rowCount) throw new DomainError('not_found', 'This event does not exist.');
}
