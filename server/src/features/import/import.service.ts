import type { ImportKind, ImportReport } from '../../../../protocol/schools.ts';
import { type Db, type DbClient, inTransaction, pgConstraint, type Queryable } from '../../infra/db.ts';
import { DomainError } from '../domain-error.ts';
import { type FileEncoding, ImportRejected } from './csv-table.ts';
import { checkImport, type ImportCheck, type ImportCheckInput, type KnownIds } from './import-check.ts';

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
  /** Staff whose role this import changed (their open sessions carry the old rights). */
  rolesChanged?: string[];
}

/**
 * Runs checkImport somewhere: the server hands it to the CPU pool (a 10 MB file takes
 * seconds to check, which the event loop cannot spare); the command-line import has
 * no loop to protect and runs it in place. `bytes` may be transferred away.
 */
export type ImportChecker = (input: ImportCheckInput) => Promise<ImportCheck>;

export const checkInPlace: ImportChecker = async (input) => checkImport(input);

/**
 * CSV import of a school's people. All or nothing: every row is checked first (and
 * every problem of every row counted, the first ones reported by line and column);
 * only a clean file is written, in one transaction. Rows carry the school's own ids
 * (external ids), so a second import of the same people updates them instead of
 * adding new ones.
 */
export class ImportService {
  constructor(
    private readonly db: Db,
    /** Told after commit of staff whose role changed, so their sessions end (issue 13). */
    private readonly rolesChanged: (staffIds: string[]) => Promise<void> = async () => {},
    private readonly check: ImportChecker = checkInPlace,
  ) {}

  async run(schoolId: string, bytes: Uint8Array, opts: ImportOptions): Promise<ImportReport> {
    // The check of a large file takes seconds on a CPU thread: longer than a transaction
    // may sit idle (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS). So the file is checked
    // against the ids read first, and the transaction then re-reads them under the
    // school's import lock; if another import changed them meanwhile, the check runs again.
    let known = await this.known(this.db, schoolId);
    for (let attempt = 1; ; attempt++) {
      const checked = await this.check({ bytes, encoding: opts.encoding, kind: opts.kind, known });
      if (checked.issues.length) throw new ImportRejected(checked.issues, checked.issuesNotListed);
      const outcome = await this.write(schoolId, checked, known, opts);
      if ('report' in outcome) {
        if (outcome.rolesChanged.length) await this.rolesChanged(outcome.rolesChanged);
        return outcome.report;
      }
      if (attempt === 3)
        throw new DomainError('unavailable', 'Other imports keep changing this school; please try again.', {
          retryAfter: 5,
        });
      known = outcome.known;
    }
  }

  /** The write, in one transaction, if the school's ids are still those the file was checked against. */
  private async write(
    schoolId: string,
    checked: ImportCheck,
    checkedAgainst: KnownIds,
    opts: ImportOptions,
  ): Promise<{ report: ImportReport; rolesChanged: string[] } | { known: KnownIds }> {
    let rolesChanged: string[] = [];
    const answer = await inTransaction(this.db, async (c) => {
      // One import per school at a time: two concurrent uploads would otherwise each
      // check against the state before the other.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`import:${schoolId}`]);
      const known = await this.known(c, schoolId);
      if (!sameIds(known, checkedAgainst)) return { known };
      const { kind, rows } = checked;
      if (opts.dryRun) return { report: { kind, dryRun: true, rows, created: 0, updated: 0, removed: 0 } };
      let counts: Counts;
      try {
        counts = await write(c, schoolId, checked);
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
        [schoolId, kind, rows, counts.created, counts.updated, counts.removed, opts.byStaffId],
      );
      rolesChanged = counts.rolesChanged ?? [];
      const { created, updated, removed } = counts;
      return { report: { kind, dryRun: false, rows, created, updated, removed } };
    });
    if (answer.known) return { known: answer.known };
    return { report: answer.report!, rolesChanged };
  }

  /** Every id a file of any kind may refer to: a school's few thousand people, cheap next to the file. */
  private async known(c: Queryable, schoolId: string): Promise<KnownIds> {
    const [staff, students, families] = await Promise.all([
      c.query<{ id: string; external_id: string | null; email: string; is_teacher: boolean }>(
        'SELECT id, external_id, email, is_teacher FROM staff WHERE school_id = $1',
        [schoolId],
      ),
      c.query<{ id: string; external_id: string }>(
        'SELECT id, external_id FROM students WHERE school_id = $1 AND external_id IS NOT NULL',
        [schoolId],
      ),
      c.query<{ id: string; external_id: string }>(
        'SELECT id, external_id FROM families WHERE school_id = $1 AND external_id IS NOT NULL',
        [schoolId],
      ),
    ]);
    return {
      staffEmails: new Map(staff.rows.map((r) => [r.email, r.external_id])),
      // Class lists name teachers: an id of someone who is only an admin is refused.
      teachers: new Map(
        staff.rows.filter((r) => r.external_id && r.is_teacher).map((r) => [r.external_id!, r.id]),
      ),
      students: new Map(students.rows.map((r) => [r.external_id, r.id])),
      families: new Map(families.rows.map((r) => [r.external_id, r.id])),
    };
  }
}

function sameIds(a: KnownIds, b: KnownIds): boolean {
  const same = <V>(x: Map<string, V>, y: Map<string, V>) =>
    x.size === y.size && [...x].every(([k, v]) => y.has(k) && y.get(k) === v);
  return (
    same(a.staffEmails, b.staffEmails) &&
    same(a.teachers, b.teachers) &&
    same(a.students, b.students) &&
    same(a.families, b.families)
  );
}

/** Writes a clean file's columns (PostgreSQL array literals built by checkImport). */
async function write(c: DbClient, schoolId: string, checked: ImportCheck): Promise<Counts> {
  const col = checked.columns;
  const has = new Set(checked.header);
  switch (checked.kind) {
    case 'teachers': {
      const setRoles = has.has('role');
      // Read before the upsert: its RETURNING cannot see the old roles.
      const { rows: changed } = await c.query<{ id: string }>(
        `SELECT s.id FROM staff s JOIN unnest($2::text[], $3::text[]) AS v(id, role) ON s.external_id = v.id
          WHERE s.school_id = $1 AND $4
            AND (s.is_admin, s.is_teacher) IS DISTINCT FROM (v.role IN ('admin', 'both'), v.role IN ('teacher', 'both'))`,
        [schoolId, col.id, col.role, setRoles],
      );
      const { rows } = await c.query<{ inserted: boolean }>(
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
        [schoolId, col.id, col.title, col.first, col.surname, col.email, col.role, setRoles],
      );
      return { ...tally(rows), rolesChanged: changed.map((r) => r.id) };
    }
    case 'students': {
      const { rows } = await c.query<{ inserted: boolean }>(
        `INSERT INTO students (school_id, external_id, first_name, surname, year_group, class_name)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
         ON CONFLICT (school_id, external_id) DO UPDATE
           SET first_name = EXCLUDED.first_name, surname = EXCLUDED.surname,
               year_group = EXCLUDED.year_group, class_name = EXCLUDED.class_name
           WHERE (students.first_name, students.surname, students.year_group, students.class_name)
                 IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.surname, EXCLUDED.year_group, EXCLUDED.class_name)
         RETURNING (xmax = 0) AS inserted`,
        [schoolId, col.id, col.first, col.surname, col.year, col.cls],
      );
      return tally(rows);
    }
    case 'families': {
      // Without an email column, addresses the school already holds are kept.
      const { rows } = await c.query<{ inserted: boolean }>(
        `INSERT INTO families (school_id, external_id, surname, email)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
         ON CONFLICT (school_id, external_id) DO UPDATE
           SET surname = EXCLUDED.surname,
               email = CASE WHEN $5 THEN EXCLUDED.email ELSE families.email END
           WHERE families.erased_at IS NULL
             AND (families.surname IS DISTINCT FROM EXCLUDED.surname
                  OR ($5 AND families.email IS DISTINCT FROM EXCLUDED.email))
         RETURNING (xmax = 0) AS inserted`,
        [schoolId, col.id, col.surname, col.email, has.has('email')],
      );
      return tally(rows);
    }
    case 'family-students':
      return writeFamilyLinks(c, col.owner!, col.student!);
    case 'class-lists':
      return writeClassLists(c, col.owner!, col.student!, col.subject!);
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
async function writeFamilyLinks(c: DbClient, families: string, students: string): Promise<Counts> {
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
  staff: string,
  students: string,
  subjects: string,
): Promise<Counts> {
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
    [staff, students, subjects],
  );
  return { ...tally(rows), removed: removed.rowCount ?? 0 };
}
