import type { FamilyStudentLink, SharedChildMode, SharedChildModeView } from '../../../../protocol/admin.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { eventInSchool, requireAdmin } from './admin-scope.ts';

async function answer<T>(work: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (err) {
    if (err instanceof DomainError) return { ok: false, error: err.body };
    throw err;
  }
}

/**
 * Separated parents (migration 016): the event's choice between one joint
 * appointment per child and teacher or one per family, and linking a child to a second
 * family from the admin screens (before, only the class-list import could).
 */
export class SharedChildrenService {
  constructor(private readonly db: Db) {}

  setMode(p: Principal, eventId: string, mode: SharedChildMode): Promise<Result<SharedChildModeView>> {
    return answer(() =>
      inTransaction(this.db, async (client) => {
        requireAdmin(p);
        await eventInSchool(client, p, eventId, { forChange: true });
        // The row lock orders this after any change to the event's rules in flight.
        const { rows } = await client.query<{ mode: SharedChildMode; active: boolean }>(
          `SELECT shared_child_mode AS mode,
                  EXISTS (SELECT 1 FROM bookings b WHERE b.event_id = e.id
                           AND booking_is_active(b.status, b.expires_at)) AS active
             FROM events e WHERE e.id = $1 FOR UPDATE`,
          [eventId],
        );
        const current = rows[0]!;
        if (current.mode === mode) return { eventId, mode };
        // Existing appointments were counted under the old rule (bookings.teacher_scope):
        // switching under them would let a child see a teacher twice, or refuse nothing.
        if (current.active)
          throw new DomainError('invalid_input', undefined, {
            issues: [
              {
                path: 'mode',
                message: 'Choose this before any appointment is held or booked at this event.',
              },
            ],
          });
        await client.query('UPDATE events SET shared_child_mode = $2 WHERE id = $1', [eventId, mode]);
        return { eventId, mode };
      }),
    );
  }

  linkFamily(p: Principal, familyId: string, studentId: string): Promise<Result<FamilyStudentLink>> {
    return answer(() =>
      inTransaction(this.db, async (client) => {
        requireAdmin(p);
        const { rows } = await client.query<{ family: boolean; student: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM families WHERE id = $1 AND school_id = $3) AS family,
                  EXISTS (SELECT 1 FROM students WHERE id = $2 AND school_id = $3) AS student`,
          [familyId, studentId, p.schoolId],
        );
        // Another school's ids answer like missing ones.
        if (!rows[0]!.family) throw new DomainError('not_found', 'No such family.');
        if (!rows[0]!.student) throw new DomainError('not_found', 'No such child.');
        // The same limit as the class-list import (docs/schools.md): two families per child.
        // The child's row is locked so two links at once cannot both be the second.
        await client.query('SELECT 1 FROM students WHERE id = $1 FOR UPDATE', [studentId]);
        const { rows: others } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM family_students WHERE student_id = $1 AND family_id <> $2',
          [studentId, familyId],
        );
        if (others[0]!.n >= 2)
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'studentId', message: 'This child already belongs to two families.' }],
          });
        await client.query(
          'INSERT INTO family_students (family_id, student_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [familyId, studentId],
        );
        const { rows: n } = await client.query<{ families: number }>(
          'SELECT count(*)::int AS families FROM family_students WHERE student_id = $1',
          [studentId],
        );
        return { familyId, studentId, families: n[0]!.families };
      }),
    );
  }
}
