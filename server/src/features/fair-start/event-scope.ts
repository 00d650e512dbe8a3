import type { Queryable } from '../../infra/db.ts';
import { authorize } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';

/** Another school's event (or none) is `not_found`, never an empty answer that confirms it exists. */
export async function requireSchoolEvent(q: Queryable, p: Principal, eventId: string): Promise<void> {
  const { rows } = await q.query<{ school_id: string }>('SELECT school_id FROM events WHERE id = $1', [
    eventId,
  ]);
  authorize(p, { kind: 'event', schoolId: rows[0]?.school_id ?? null });
}
