import type { QueryResult } from 'pg';
import { type DbClient, pgCode } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Changes, ImportPlan } from './import-plan.ts';
import type { StaffRow } from './school-roster.ts';

/**
 * A write that did not touch exactly the rows the plan names: the school changed under
 * the plan (a staff screen, not an import, since imports hold the school's lock). The
 * transaction rolls back, so nothing is half-written.
 */
function stale(what: string): DomainError {
  return new DomainError(
    'import_plan_stale',
    `The school’s data changed since the check (${what}). Nothing was written: check the file again.`,
  );
}

async function exactly(
  c: DbClient,
  what: string,
  expected: number,
  text: string,
  values: unknown[],
): Promise<{ id: string; external_id: string }[]> {
  if (expected === 0) return [];
  let result: QueryResult;
  try {
    result = await c.query(text, values);
  } catch (err) {
    // A row the plan adds already exists: someone added it since the check.
    if (pgCode(err) === '23505') throw stale(what);
    throw err;
  }
  if ((result.rowCount ?? 0) !== expected) throw stale(what);
  return result.rows;
}

const json = (rows: unknown[]) => JSON.stringify(rows);

/** Staff whose admin or teacher flag the change sets differently: their sessions carry the old rights. */
export function rolesChangedBy(staff: Changes<StaffRow>): string[] {
  return staff.changed
    .filter(({ before, after }) => before.isAdmin !== after.isAdmin || before.isTeacher !== after.isTeacher)
    .map(({ before }) => before.id!);
}

/**
 * Writes a plan exactly, in the caller's transaction (which holds the school's import
 * lock and has checked the school's digest): each statement must touch exactly the
 * rows the plan names, or the whole import is refused as stale. Removals first, then
 * people, then new links. Answers the plan with the ids the database gave the rows
 * it added, which is what restoring needs to take them away again.
 */
export async function applyPlan(c: DbClient, schoolId: string, plan: ImportPlan): Promise<ImportPlan> {
  const { staff, students, families, familyLinks, classLinks } = plan;

  await exactly(
    c,
    'class lists',
    classLinks.removed.length,
    `DELETE FROM teacher_students ts
      USING jsonb_to_recordset($2::jsonb) AS x("staffId" uuid, "studentId" uuid), staff s
      WHERE ts.staff_id = x."staffId" AND ts.student_id = x."studentId" AND s.id = ts.staff_id AND s.school_id = $1`,
    [schoolId, json(classLinks.removed)],
  );
  await exactly(
    c,
    'family links',
    familyLinks.removed.length,
    `DELETE FROM family_students fs
      USING jsonb_to_recordset($2::jsonb) AS x("familyId" uuid, "studentId" uuid), families f
      WHERE fs.family_id = x."familyId" AND fs.student_id = x."studentId" AND f.id = fs.family_id AND f.school_id = $1`,
    [schoolId, json(familyLinks.removed)],
  );
  // Only a restore removes people: those its import added, checked to be unreferenced.
  for (const [table, rows] of [
    ['staff', staff.removed],
    ['students', students.removed],
    ['families', families.removed],
  ] as const)
    await exactly(
      c,
      table,
      rows.length,
      `DELETE FROM ${table} WHERE school_id = $1 AND id = ANY($2::uuid[])`,
      [schoolId, rows.map((r) => r.id)],
    );

  const addedStaff = await exactly(
    c,
    'staff',
    staff.added.length,
    `INSERT INTO staff (school_id, external_id, title, first_name, surname, email, is_admin, is_teacher)
     SELECT $1, x."externalId", x.title, x."firstName", x.surname, x.email, x."isAdmin", x."isTeacher"
       FROM jsonb_to_recordset($2::jsonb)
            AS x("externalId" text, title text, "firstName" text, surname text, email text, "isAdmin" boolean, "isTeacher" boolean)
     RETURNING id, external_id`,
    [schoolId, json(staff.added)],
  );
  const addedStudents = await exactly(
    c,
    'students',
    students.added.length,
    `INSERT INTO students (school_id, external_id, first_name, surname, year_group, class_name)
     SELECT $1, x."externalId", x."firstName", x.surname, x."yearGroup", x."className"
       FROM jsonb_to_recordset($2::jsonb)
            AS x("externalId" text, "firstName" text, surname text, "yearGroup" text, "className" text)
     RETURNING id, external_id`,
    [schoolId, json(students.added)],
  );
  const addedFamilies = await exactly(
    c,
    'families',
    families.added.length,
    `INSERT INTO families (school_id, external_id, surname, email, interpreter_language, language)
     SELECT $1, x."externalId", x.surname, x.email, x."interpreterLanguage", x.language
       FROM jsonb_to_recordset($2::jsonb) AS x("externalId" text, surname text, email text, "interpreterLanguage" text, language text)
     RETURNING id, external_id`,
    [schoolId, json(families.added)],
  );

  // A change applies only to a row still as the plan saw it before: IS NOT DISTINCT
  // FROM the plan's "before", else the count falls short and the import is stale.
  await exactly(
    c,
    'staff',
    staff.changed.length,
    `UPDATE staff s SET title = a.title, first_name = a."firstName", surname = a.surname, email = a.email,
            is_admin = a."isAdmin", is_teacher = a."isTeacher"
       FROM jsonb_to_recordset($2::jsonb) AS ch(before jsonb, after jsonb),
            jsonb_to_record(ch.after) AS a(id uuid, title text, "firstName" text, surname text, email text, "isAdmin" boolean, "isTeacher" boolean),
            jsonb_to_record(ch.before) AS b(title text, "firstName" text, surname text, email text, "isAdmin" boolean, "isTeacher" boolean)
      WHERE s.id = a.id AND s.school_id = $1
        AND (s.title, s.first_name, s.surname, s.email, s.is_admin, s.is_teacher)
            IS NOT DISTINCT FROM (b.title, b."firstName", b.surname, b.email, b."isAdmin", b."isTeacher")`,
    [schoolId, json(staff.changed)],
  );
  await exactly(
    c,
    'students',
    students.changed.length,
    `UPDATE students s SET first_name = a."firstName", surname = a.surname, year_group = a."yearGroup", class_name = a."className"
       FROM jsonb_to_recordset($2::jsonb) AS ch(before jsonb, after jsonb),
            jsonb_to_record(ch.after) AS a(id uuid, "firstName" text, surname text, "yearGroup" text, "className" text),
            jsonb_to_record(ch.before) AS b("firstName" text, surname text, "yearGroup" text, "className" text)
      WHERE s.id = a.id AND s.school_id = $1
        AND (s.first_name, s.surname, s.year_group, s.class_name)
            IS NOT DISTINCT FROM (b."firstName", b.surname, b."yearGroup", b."className")`,
    [schoolId, json(students.changed)],
  );
  await exactly(
    c,
    'families',
    families.changed.length,
    `UPDATE families f SET surname = a.surname, email = a.email, interpreter_language = a."interpreterLanguage",
            -- Fills in a language not known; one the family (or an admin) set since is kept,
            -- also when an import is restored: the family's choice is not the import's to undo.
            language = coalesce(f.language, a.language)
       FROM jsonb_to_recordset($2::jsonb) AS ch(before jsonb, after jsonb),
            jsonb_to_record(ch.after) AS a(id uuid, surname text, email text, "interpreterLanguage" text, language text),
            jsonb_to_record(ch.before) AS b(surname text, email text, "interpreterLanguage" text)
      WHERE f.id = a.id AND f.school_id = $1 AND f.erased_at IS NULL
        AND (f.surname, f.email, f.interpreter_language)
            IS NOT DISTINCT FROM (b.surname, b.email, b."interpreterLanguage")`,
    [schoolId, json(families.changed)],
  );
  await exactly(
    c,
    'class lists',
    classLinks.changed.length,
    `UPDATE teacher_students ts SET subject = a.subject
       FROM jsonb_to_recordset($2::jsonb) AS ch(before jsonb, after jsonb),
            jsonb_to_record(ch.after) AS a("staffId" uuid, "studentId" uuid, subject text),
            jsonb_to_record(ch.before) AS b(subject text),
            staff s
      WHERE ts.staff_id = a."staffId" AND ts.student_id = a."studentId" AND ts.subject = b.subject
        AND s.id = ts.staff_id AND s.school_id = $1`,
    [schoolId, json(classLinks.changed)],
  );

  // New links name only people of this school (the plan came from its roster; the
  // joins refuse anything else, and a count short of the plan is stale).
  await exactly(
    c,
    'family links',
    familyLinks.added.length,
    `INSERT INTO family_students (family_id, student_id)
     SELECT x."familyId", x."studentId"
       FROM jsonb_to_recordset($2::jsonb) AS x("familyId" uuid, "studentId" uuid)
       JOIN families f ON f.id = x."familyId" AND f.school_id = $1
       JOIN students s ON s.id = x."studentId" AND s.school_id = $1`,
    [schoolId, json(familyLinks.added)],
  );
  await exactly(
    c,
    'class lists',
    classLinks.added.length,
    `INSERT INTO teacher_students (staff_id, student_id, subject)
     SELECT x."staffId", x."studentId", x.subject
       FROM jsonb_to_recordset($2::jsonb) AS x("staffId" uuid, "studentId" uuid, subject text)
       JOIN staff t ON t.id = x."staffId" AND t.school_id = $1
       JOIN students s ON s.id = x."studentId" AND s.school_id = $1`,
    [schoolId, json(classLinks.added)],
  );

  const ids = (rows: { id: string; external_id: string }[]) =>
    new Map(rows.map((r) => [r.external_id, r.id]));
  const withIds = <T extends { id: string | null; externalId: string | null }>(
    added: T[],
    rows: { id: string; external_id: string }[],
  ): T[] => {
    const byExternal = ids(rows);
    return added.map((r) => ({ ...r, id: byExternal.get(r.externalId!) ?? r.id }));
  };
  return {
    ...plan,
    staff: { ...staff, added: withIds(staff.added, addedStaff) },
    students: { ...students, added: withIds(students.added, addedStudents) },
    families: { ...families, added: withIds(families.added, addedFamilies) },
  };
}
