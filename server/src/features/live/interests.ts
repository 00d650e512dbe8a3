import type { Queryable } from '../../infra/db.ts';

/**
 * The teachers whose slots a family's screen shows: those who teach any of its
 * children. Read when the family joins an event; a class-list change made later
 * reaches the family's screen at its next join (every reconnect joins again).
 */
export async function familyTeacherIds(db: Queryable, familyId: string): Promise<string[]> {
  const { rows } = await db.query<{ staff_id: string }>(
    `SELECT DISTINCT ts.staff_id
       FROM family_students fs JOIN teacher_students ts ON ts.student_id = fs.student_id
      WHERE fs.family_id = $1`,
    [familyId],
  );
  return rows.map((r) => r.staff_id);
}
