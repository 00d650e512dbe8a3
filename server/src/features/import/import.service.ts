import type { ImportKind, ImportReport } from '../../../../protocol/schools.ts';
import { type Db, type DbClient, inTransaction, pgConstraint } from '../../infra/db.ts';
import {
  type CsvRow,
  type CsvTable,
  decodeCsv,
  type FileEncoding,
  type ImportIssue,
  ImportRejected,
  readCsv,
} from './csv-table.ts';
import { detectKind, RowChecker } from './import-rows.ts';

export interface ImportOptions {
  kind?: ImportKind | undefined;
  encoding: FileEncoding;
  dryRun: boolean;
  byStaffId: string | null;
}

interface Counts {
  created: number;
  updated: number;
  removed: number;
}

type Plan = (c: DbClient) => Promise<Counts>;

/** Collects every problem of every row; the first one seen wins a duplicate check. */
class Firsts {
  private readonly seen = new Map<string, number>();
  check(key: string, row: CsvRow, checker: RowChecker, column: string): void {
    const first = this.seen.get(key);
    if (first !== undefined) checker.duplicate(column, first);
    else this.seen.set(key, row.line);
  }
}

/**
 * CSV import of a school's people. All or nothing: every row is checked first (and
 * every problem of every row reported, by line and column); only a clean file is
 * written, in one transaction. Rows carry the school's own ids (external ids), so a
 * second import of the same people updates them instead of adding new ones.
 */
export class ImportService {
  constructor(private readonly db: Db) {}

  async run(schoolId: string, bytes: Uint8Array, opts: ImportOptions): Promise<ImportReport> {
    const table = readCsv(decodeCsv(bytes, opts.encoding));
    const detected = detectKind(table.header, opts.kind);
    if ('issue' in detected) throw new ImportRejected([detected.issue]);
    const { kind } = detected;
    // Row checks need the school's current ids; reading them and writing happen in one
    // transaction so the check and the write see the same school.
    return inTransaction(this.db, async (c) => {
      // One import per school at a time: two concurrent uploads would otherwise each
      // check against the state before the other.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`import:${schoolId}`]);
      const { issues, plan } = await this.check(c, schoolId, kind, table);
      const all = [...table.issues, ...issues].sort((a, b) => a.line - b.line);
      if (all.length) throw new ImportRejected(all);
      if (opts.dryRun)
        return { kind, dryRun: true, rows: table.rows.length, created: 0, updated: 0, removed: 0 };
      let counts: Counts;
      try {
        counts = await plan(c);
      } catch (err) {
        if (pgConstraint(err) === 'family_students_at_most_two')
          throw new ImportRejected([
            { line: 0, column: 'student_id', reason: 'A student would belong to more than two families.' },
          ]);
        throw err;
      }
      await c.query(
        `INSERT INTO imports (school_id, kind, rows, created, updated, removed, by_staff_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [schoolId, kind, table.rows.length, counts.created, counts.updated, counts.removed, opts.byStaffId],
      );
      return { kind, dryRun: false, rows: table.rows.length, ...counts };
    });
  }

  private async ids(c: DbClient, table: 'staff' | 'students' | 'families', schoolId: string) {
    const { rows } = await c.query<{ id: string; external_id: string }>(
      `SELECT id, external_id FROM ${table} WHERE school_id = $1 AND external_id IS NOT NULL`,
      [schoolId],
    );
    return new Map(rows.map((r) => [r.external_id, r.id]));
  }

  private async check(
    c: DbClient,
    schoolId: string,
    kind: ImportKind,
    table: CsvTable,
  ): Promise<{ issues: ImportIssue[]; plan: Plan }> {
    const issues: ImportIssue[] = [];
    const has = new Set(table.header);
    switch (kind) {
      case 'teachers': {
        const byId = new Firsts();
        const byEmail = new Firsts();
        const { rows: existing } = await c.query<{ email: string; external_id: string | null }>(
          'SELECT email, external_id FROM staff WHERE school_id = $1',
          [schoolId],
        );
        const emailOwner = new Map(existing.map((r) => [r.email, r.external_id]));
        const out: {
          id: string;
          title: string;
          first: string;
          surname: string;
          email: string;
          role: string;
        }[] = [];
        for (const row of table.rows) {
          const k = new RowChecker(row);
          const id = k.id('staff_id');
          const email = k.email('email', true) ?? '';
          const v = {
            id,
            title: k.text('title', 20, false),
            first: k.text('first_name', 100, true),
            surname: k.text('surname', 100, true),
            email,
            role: k.oneOf('role', ['teacher', 'admin', 'both'] as const, 'teacher'),
          };
          if (id) byId.check(id, row, k, 'staff_id');
          if (email) {
            byEmail.check(email, row, k, 'email');
            const owner = emailOwner.get(email);
            if (emailOwner.has(email) && owner !== id)
              k.custom('email', 'Already used by another staff member of this school.');
          }
          issues.push(...k.issues);
          out.push(v);
        }
        const setRoles = has.has('role');
        return {
          issues,
          plan: async (tx) => {
            const { rows } = await tx.query<{ inserted: boolean }>(
              `INSERT INTO staff (school_id, external_id, title, first_name, surname, email, is_admin, is_teacher)
               SELECT $1, v.id, v.title, v.first, v.surname, v.email, v.role IN ('admin', 'both'), v.role IN ('teacher', 'both')
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                      AS v(id, title, first, surname, email, role)
               ON CONFLICT (school_id, external_id) DO UPDATE
                 SET title = EXCLUDED.title, first_name = EXCLUDED.first_name, surname = EXCLUDED.surname,
                     email = EXCLUDED.email,
                     is_admin = CASE WHEN $8 THEN EXCLUDED.is_admin ELSE staff.is_admin END,
                     is_teacher = CASE WHEN $8 THEN EXCLUDED.is_teacher ELSE staff.is_teacher END
                 WHERE (staff.title, staff.first_name, staff.surname, staff.email) IS DISTINCT FROM
                       (EXCLUDED.title, EXCLUDED.first_name, EXCLUDED.surname, EXCLUDED.email)
                    OR ($8 AND (staff.is_admin, staff.is_teacher) IS DISTINCT FROM (EXCLUDED.is_admin, EXCLUDED.is_teacher))
               RETURNING (xmax = 0) AS inserted`,
              [
                schoolId,
                out.map((o) => o.id),
                out.map((o) => o.title),
                out.map((o) => o.first),
                out.map((o) => o.surname),
                out.map((o) => o.email),
                out.map((o) => o.role),
                setRoles,
              ],
            );
            return tally(rows);
          },
        };
      }
      case 'students': {
        const byId = new Firsts();
        const out: { id: string; first: string; surname: string; year: string; cls: string }[] = [];
        for (const row of table.rows) {
          const k = new RowChecker(row);
          const v = {
            id: k.id('student_id'),
            first: k.text('first_name', 100, true),
            surname: k.text('surname', 100, true),
            year: k.text('year', 20, true),
            cls: k.text('class', 40, false),
          };
          if (v.id) byId.check(v.id, row, k, 'student_id');
          issues.push(...k.issues);
          out.push(v);
        }
        return {
          issues,
          plan: async (tx) => {
            const { rows } = await tx.query<{ inserted: boolean }>(
              `INSERT INTO students (school_id, external_id, first_name, surname, year_group, class_name)
               SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
               ON CONFLICT (school_id, external_id) DO UPDATE
                 SET first_name = EXCLUDED.first_name, surname = EXCLUDED.surname,
                     year_group = EXCLUDED.year_group, class_name = EXCLUDED.class_name
                 WHERE (students.first_name, students.surname, students.year_group, students.class_name)
                       IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.surname, EXCLUDED.year_group, EXCLUDED.class_name)
               RETURNING (xmax = 0) AS inserted`,
              [
                schoolId,
                out.map((o) => o.id),
                out.map((o) => o.first),
                out.map((o) => o.surname),
                out.map((o) => o.year),
                out.map((o) => o.cls),
              ],
            );
            return tally(rows);
          },
        };
      }
      case 'families': {
        const byId = new Firsts();
        const out: { id: string; surname: string; email: string | null }[] = [];
        for (const row of table.rows) {
          const k = new RowChecker(row);
          const v = {
            id: k.id('family_id'),
            surname: k.text('surname', 100, true),
            email: k.email('email', false),
          };
          if (v.id) byId.check(v.id, row, k, 'family_id');
          issues.push(...k.issues);
          out.push(v);
        }
        // Without an email column, addresses the school already holds are kept.
        const setEmail = has.has('email');
        return {
          issues,
          plan: async (tx) => {
            const { rows } = await tx.query<{ inserted: boolean }>(
              `INSERT INTO families (school_id, external_id, surname, email)
               SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
               ON CONFLICT (school_id, external_id) DO UPDATE
                 SET surname = EXCLUDED.surname,
                     email = CASE WHEN $5 THEN EXCLUDED.email ELSE families.email END
                 WHERE families.erased_at IS NULL
                   AND (families.surname IS DISTINCT FROM EXCLUDED.surname
                        OR ($5 AND families.email IS DISTINCT FROM EXCLUDED.email))
               RETURNING (xmax = 0) AS inserted`,
              [schoolId, out.map((o) => o.id), out.map((o) => o.surname), out.map((o) => o.email), setEmail],
            );
            return tally(rows);
          },
        };
      }
      case 'family-students':
      case 'class-lists': {
        const links = kind === 'family-students';
        const ownerColumn = links ? 'family_id' : 'staff_id';
        const owners = await this.ids(c, links ? 'families' : 'staff', schoolId);
        const students = await this.ids(c, 'students', schoolId);
        if (!links) {
          // Class lists name teachers: an id of someone who is only an admin is refused.
          const { rows } = await c.query<{ external_id: string }>(
            'SELECT external_id FROM staff WHERE school_id = $1 AND external_id IS NOT NULL AND NOT is_teacher',
            [schoolId],
          );
          for (const r of rows) owners.delete(r.external_id);
        }
        const pairs = new Firsts();
        const familiesPerStudent = new Map<string, number>();
        const out: { owner: string; student: string; subject: string }[] = [];
        for (const row of table.rows) {
          const k = new RowChecker(row);
          const ownerExt = k.id(ownerColumn);
          const studentExt = k.id('student_id');
          const subject = links ? '' : k.text('subject', 100, false);
          const owner = owners.get(ownerExt);
          const student = students.get(studentExt);
          if (ownerExt && !owner) k.unknown(ownerColumn, links ? 'family' : 'teacher');
          if (studentExt && !student) k.unknown('student_id', 'student');
          if (owner && student) {
            pairs.check(`${owner}:${student}`, row, k, 'student_id');
            if (links) {
              const n = (familiesPerStudent.get(student) ?? 0) + 1;
              familiesPerStudent.set(student, n);
              if (n === 3) k.custom('student_id', 'A student belongs to at most two families.');
            }
            out.push({ owner, student, subject });
          }
          issues.push(...k.issues);
        }
        return {
          issues,
          plan: links ? (tx) => writeFamilyLinks(tx, out) : (tx) => writeClassLists(tx, out),
        };
      }
    }
  }
}

function tally(rows: { inserted: boolean }[]): Counts {
  const created = rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created, removed: 0 };
}

/**
 * The file is the truth for every student it names: those students' families are
 * exactly the ones listed (a parent removed from a student in the school's system
 * loses access here too). Students the file does not name are left alone.
 */
async function writeFamilyLinks(c: DbClient, out: { owner: string; student: string }[]): Promise<Counts> {
  const families = out.map((o) => o.owner);
  const students = out.map((o) => o.student);
  const removed = await c.query(
    `DELETE FROM family_students fs
      WHERE fs.student_id = ANY($2::uuid[])
        AND NOT EXISTS (SELECT 1 FROM unnest($1::uuid[], $2::uuid[]) AS v(f, s)
                         WHERE v.f = fs.family_id AND v.s = fs.student_id)`,
    [families, students],
  );
  const created = await c.query(
    `INSERT INTO family_students (family_id, student_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    [families, students],
  );
  return { created: created.rowCount ?? 0, updated: 0, removed: removed.rowCount ?? 0 };
}

/** Likewise for class lists: each teacher the file names teaches exactly the students listed. */
async function writeClassLists(
  c: DbClient,
  out: { owner: string; student: string; subject: string }[],
): Promise<Counts> {
  const staff = out.map((o) => o.owner);
  const students = out.map((o) => o.student);
  const removed = await c.query(
    `DELETE FROM teacher_students ts
      WHERE ts.staff_id = ANY($1::uuid[])
        AND NOT EXISTS (SELECT 1 FROM unnest($1::uuid[], $2::uuid[]) AS v(t, s)
                         WHERE v.t = ts.staff_id AND v.s = ts.student_id)`,
    [staff, students],
  );
  const { rows } = await c.query<{ inserted: boolean }>(
    `INSERT INTO teacher_students (staff_id, student_id, subject)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])
     ON CONFLICT (staff_id, student_id) DO UPDATE SET subject = EXCLUDED.subject
       WHERE teacher_students.subject IS DISTINCT FROM EXCLUDED.subject
     RETURNING (xmax = 0) AS inserted`,
    [staff, students, out.map((o) => o.subject)],
  );
  return { ...tally(rows), removed: removed.rowCount ?? 0 };
}
