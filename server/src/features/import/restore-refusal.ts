import type { DbClient } from '../../infra/db.ts';
import { type ImportPlan, invertPlan } from './import-plan.ts';
import { removalsWithAppointments } from './plan-summary.ts';

/**
 * Tables whose rows a restore may take with the people it removes: the links, whose
 * state the school's digest covers, and the import records themselves.
 */
const COVERED = ['teacher_students', 'family_students', 'imports', 'import_plans'];

/**
 * Why restoring the state before an import would lose something done since, or null.
 * Every table that refers to staff, students or families is asked (read from the
 * catalogue, so a table added later is asked too): deleting a person the import added
 * would cascade to their slots, bookings, sessions or notes.
 */
export async function refusalToRestore(
  c: DbClient,
  record: { applied: ImportPlan | null; restored_at: Date | null; version_after: string | null },
  versionNow: string,
): Promise<string | null> {
  if (!record.applied) return 'This import was made before imports could be restored.';
  if (record.restored_at) return 'This import was restored already.';
  if (record.version_after !== versionNow)
    return 'The school’s people or lists changed since this import (a later import, or a change in the staff screens): restoring would lose that. Restore later imports first, newest first.';

  const undo = invertPlan(record.applied);
  const removedIds: Record<string, string[]> = {
    staff: undo.staff.removed.map((r) => r.id!),
    students: undo.students.removed.map((r) => r.id!),
    families: undo.families.removed.map((r) => r.id!),
  };
  if (Object.values(removedIds).some((ids) => ids.length)) {
    const { rows: refs } = await c.query<{ tbl: string; col: string; target: string }>(
      `SELECT c.conrelid::regclass::text AS tbl, quote_ident(a.attname) AS col, c.confrelid::regclass::text AS target
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid IN ('staff'::regclass, 'students'::regclass, 'families'::regclass)
          AND NOT (c.conrelid::regclass::text = ANY($1::text[]))`,
      [COVERED],
    );
    for (const ref of refs) {
      const ids = removedIds[ref.target] ?? [];
      if (!ids.length) continue;
      const used = await c.query(`SELECT 1 FROM ${ref.tbl} WHERE ${ref.col} = ANY($1::uuid[]) LIMIT 1`, [
        ids,
      ]);
      if (used.rowCount)
        return `People this import added are now used elsewhere (${ref.tbl}): removing them would lose that.`;
    }
  }
  const booked = await removalsWithAppointments(c, undo);
  if (booked.size)
    return `${booked.size} appointment${booked.size === 1 ? ' was' : 's were'} booked through links this import added: cancel ${booked.size === 1 ? 'it' : 'them'} first, or keep the import.`;
  return null;
}
