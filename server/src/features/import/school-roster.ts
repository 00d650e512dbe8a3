import type { Queryable } from '../../infra/db.ts';

/** A staff member as an import reads and writes them (id null until the import inserts them). */
export interface StaffRow {
  id: string | null;
  externalId: string | null;
  title: string;
  firstName: string;
  surname: string;
  email: string;
  isAdmin: boolean;
  isTeacher: boolean;
}

export interface StudentRow {
  id: string | null;
  externalId: string | null;
  firstName: string;
  surname: string;
  yearGroup: string;
  className: string;
}

export interface FamilyRow {
  id: string | null;
  externalId: string | null;
  surname: string;
  email: string | null;
  /** The language the family needs an interpreter for (migration 033); null: none. */
  interpreterLanguage: string | null;
  /** The language the family reads Confer in (migration 032); null: not known. */
  language: string | null;
}

export interface FamilyLink {
  familyId: string;
  studentId: string;
}

export interface ClassLink {
  staffId: string;
  studentId: string;
  subject: string;
}

/**
 * Everything of a school an import may read or change. A school has a few thousand
 * people and tens of thousands of class-list links: read whole, it crosses to a CPU
 * thread in milliseconds, and the plan is computed from exactly what was read.
 */
export interface Roster {
  staff: StaffRow[];
  students: StudentRow[];
  /** Erased families are never changed by an import (their data is gone on purpose). */
  families: (FamilyRow & { erased: boolean })[];
  familyLinks: FamilyLink[];
  classLinks: ClassLink[];
}

/** One query after the other: on a transaction's client, queries cannot overlap. */
export async function readRoster(c: Queryable, schoolId: string): Promise<Roster> {
  const staff = await c.query<StaffRow>(
    `SELECT id, external_id AS "externalId", title, first_name AS "firstName", surname, email,
            is_admin AS "isAdmin", is_teacher AS "isTeacher"
       FROM staff WHERE school_id = $1`,
    [schoolId],
  );
  const students = await c.query<StudentRow>(
    `SELECT id, external_id AS "externalId", first_name AS "firstName", surname,
            year_group AS "yearGroup", class_name AS "className"
       FROM students WHERE school_id = $1`,
    [schoolId],
  );
  const families = await c.query<FamilyRow & { erased: boolean }>(
    `SELECT id, external_id AS "externalId", surname, email, interpreter_language AS "interpreterLanguage",
            language, erased_at IS NOT NULL AS erased
       FROM families WHERE school_id = $1`,
    [schoolId],
  );
  const familyLinks = await c.query<FamilyLink>(
    `SELECT fs.family_id AS "familyId", fs.student_id AS "studentId"
       FROM family_students fs JOIN families f ON f.id = fs.family_id WHERE f.school_id = $1`,
    [schoolId],
  );
  const classLinks = await c.query<ClassLink>(
    `SELECT ts.staff_id AS "staffId", ts.student_id AS "studentId", ts.subject
       FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id WHERE s.school_id = $1`,
    [schoolId],
  );
  return {
    staff: staff.rows,
    students: students.rows,
    families: families.rows,
    familyLinks: familyLinks.rows,
    classLinks: classLinks.rows,
  };
}

/**
 * A digest of everything an import reads or writes for the school, computed in
 * PostgreSQL (no rows cross to Node). A plan is stored with the digest of the state
 * it was computed from; the import applies it only while the digest is unchanged, and
 * an import's previous state is restored only while the digest is still the one the
 * import left. Access codes, passwords and sign-ins are not in it: an import never
 * reads them, so a family signing in does not make a plan stale.
 */
export async function rosterVersion(c: Queryable, schoolId: string): Promise<string> {
  const { rows } = await c.query<{ version: string }>(
    `SELECT encode(sha256(convert_to(concat_ws('#',
       coalesce((SELECT string_agg(ROW(id, external_id, email, title, first_name, surname, is_admin, is_teacher)::text, ',' ORDER BY id)
          FROM staff WHERE school_id = $1), ''),
       coalesce((SELECT string_agg(ROW(id, external_id, first_name, surname, year_group, class_name)::text, ',' ORDER BY id)
          FROM students WHERE school_id = $1), ''),
       coalesce((SELECT string_agg(ROW(id, external_id, surname, email, interpreter_language, erased_at IS NULL)::text, ',' ORDER BY id)
          FROM families WHERE school_id = $1), ''),
       coalesce((SELECT string_agg(ROW(fs.family_id, fs.student_id)::text, ',' ORDER BY fs.family_id, fs.student_id)
          FROM family_students fs JOIN families f ON f.id = fs.family_id WHERE f.school_id = $1), ''),
       coalesce((SELECT string_agg(ROW(ts.staff_id, ts.student_id, ts.subject)::text, ',' ORDER BY ts.staff_id, ts.student_id)
          FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id WHERE s.school_id = $1), '')
     ), 'UTF8')), 'hex') AS version`,
    [schoolId],
  );
  return rows[0]!.version;
}
