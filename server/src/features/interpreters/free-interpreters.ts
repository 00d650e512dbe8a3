import type { SnapshotInterpreter } from '../../../../protocol/schemas.ts';
import type { Queryable } from '../../infra/db.ts';

/**
 * For a family that needs an interpreter, which of these slots' times have one free
 * for its language (confer_free_interpreters, the same test the booking door's trigger
 * makes); undefined for a family that needs none. One query for the whole snapshot: a
 * family without a need costs one primary-key read.
 */
export async function interpreterFreeSlots(
  q: Queryable,
  familyId: string,
  slotIds: string[],
): Promise<SnapshotInterpreter | undefined> {
  const { rows } = await q.query<{ language: string | null; free: string[] | null }>(
    `SELECT f.interpreter_language AS language,
            CASE WHEN f.interpreter_language IS NOT NULL THEN
              ARRAY(SELECT s.id FROM slots s
                     WHERE s.id = ANY($2::uuid[])
                       AND EXISTS (SELECT 1 FROM confer_free_interpreters(
                                     s.event_id, f.interpreter_language, tstzrange(s.starts_at, s.ends_at, '[)'), f.id))
                     ORDER BY s.staff_id, s.starts_at)
            END AS free
       FROM families f WHERE f.id = $1`,
    [familyId, slotIds],
  );
  const r = rows[0];
  if (!r?.language) return undefined;
  return { language: r.language, freeSlotIds: r.free ?? [] };
}
