import type { FamilySearchResult } from '../../../../protocol/admin.ts';
import type { Db } from '../../infra/db.ts';
import type { Principal } from '../auth/principal.ts';
import { loadFamilyStudents } from '../families/family-students.ts';
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
    const students = await loadFamilyStudents(
      this.deps.db,
      families.map((f) => f.id),
    );
    return {
      families: families.map((f) => ({
        id: f.id,
        surname: f.surname,
        students: students.get(f.id) ?? [],
      })),
    };
  }
}
