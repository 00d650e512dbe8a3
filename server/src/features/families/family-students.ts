import type { StudentView } from '../../../../protocol/schemas.ts';
import type { Queryable } from '../../infra/db.ts';

/** The children of each family, with the teachers each may book and what they teach the child (the class lists). */
export async function loadFamilyStudents(
  q: Queryable,
  familyIds: string[],
): Promise<Map<string, StudentView[]>> {
  const { rows } = await q.query<{
    family_id: string;
    id: string;
    first_name: string;
    surname: string;
    year_group: string;
    class_name: string;
    teacher_ids: string[];
    subjects: Record<string, string>;
  }>(
    `SELECT fs.family_id, st.id, st.first_name, st.surname, st.year_group, st.class_name,
            coalesce(array_agg(ts.staff_id ORDER BY ts.staff_id) FILTER (WHERE ts.staff_id IS NOT NULL), '{}') AS teacher_ids,
            coalesce(jsonb_object_agg(ts.staff_id, ts.subject) FILTER (WHERE ts.staff_id IS NOT NULL), '{}') AS subjects
       FROM family_students fs
       JOIN students st ON st.id = fs.student_id
       LEFT JOIN teacher_students ts ON ts.student_id = st.id
      WHERE fs.family_id = ANY($1::uuid[])
      GROUP BY fs.family_id, st.id
      ORDER BY st.first_name, st.id`,
    [familyIds],
  );
  const out = new Map<string, StudentView[]>(familyIds.map((id) => [id, []]));
  for (const r of rows) {
    out.get(r.family_id)?.push({
      id: r.id,
      firstName: r.first_name,
      surname: r.surname,
      yearGroup: r.year_group,
      className: r.class_name,
      teacherIds: r.teacher_ids,
      subjects: r.subjects,
    });
  }
  return out;
}
