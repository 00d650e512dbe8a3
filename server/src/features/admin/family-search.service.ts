import type { FamilySearchResult } from '../../../../protocol/admin.ts';
import type { Db } from '../../infra/db.ts';
import type { Principal } from '../auth/principal.ts';
import { requireAdmin } from './admin-scope.ts';

const LIMIT = 50;

/** Finds a family while the parent is on the phone, so the admin can book for them. */
export class FamilySearchService {
  constructor(private readonly deps: { db: Db }) {}

  /** Families of the admin's school whose surname starts with `q` (case-insensitive). */
  async search(p: Principal, q: string): Promise<FamilySearchResult> {
    requireAdmin(p);
    // LIKE wildcards typed by the admin are matched literally.
    const prefix = `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const { rows: families } = await this.deps.db.query<{ id: string; surname: string }>(
      `SELECT id, surname FROM families
        WHERE school_id = $1 AND erased_at IS NULL AND lower(surname) LIKE $2
        ORDER BY surname, id LIMIT ${LIMIT}`,
      [p.schoolId, prefix],
    );
    const { rows: students } = await this.deps.db.query<{
      family_id: string;
      id: string;
      first_name: string;
      surname: string;
      year_group: string;
      class_name: string;
      teacher_ids: string[];
    }>(
      `SELECT fs.family_id, st.id, st.first_name, st.surname, st.year_group, st.class_name,
              coalesce(array_agg(ts.staff_id ORDER BY ts.staff_id) FILTER (WHERE ts.staff_id IS NOT NULL), '{}') AS teacher_ids
         FROM family_students fs
         JOIN students st ON st.id = fs.student_id
         LEFT JOIN teacher_students ts ON ts.student_id = st.id
        WHERE fs.family_id = ANY($1::uuid[])
        GROUP BY fs.family_id, st.id
        ORDER BY st.first_name, st.id`,
      [families.map((f) => f.id)],
    );
    return {
      families: families.map((f) => ({
        id: f.id,
        surname: f.surname,
        students: students
          .filter((s) => s.family_id === f.id)
          .map((s) => ({
            id: s.id,
            firstName: s.first_name,
            surname: s.surname,
            yearGroup: s.year_group,
            className: s.class_name,
            teacherIds: s.teacher_ids,
          })),
      })),
    };
  }
}
