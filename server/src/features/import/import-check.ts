import type { ImportKind } from '../../../../protocol/schools.ts';
import { pgTextArray } from '../../infra/pg-text-array.ts';
import {
  type CsvRow,
  decodeCsv,
  type FileEncoding,
  type ImportIssue,
  ImportRejected,
  readCsv,
} from './csv-table.ts';
import { detectKind, RowChecker } from './import-rows.ts';

/** Problems listed in a refusal; the rest are counted. A whole bad file is not answered line by line. */
export const ISSUES_LISTED = 100;

/** What the school already holds, by its own (external) ids: read by the caller in the import's transaction. */
export interface KnownIds {
  /** Staff e-mail → that person's external id (null when they have none). */
  staffEmails: Map<string, string | null>;
  /** External id → staff id, of staff who teach (class lists name teachers only). */
  teachers: Map<string, string>;
  students: Map<string, string>;
  families: Map<string, string>;
}

export interface ImportCheckInput {
  bytes: Uint8Array;
  encoding: FileEncoding;
  kind?: ImportKind | undefined;
  known: KnownIds;
}

/** A checked file: its kind, rows, problems and, when clean, its columns ready for the write. */
export interface ImportCheck {
  kind: ImportKind;
  rows: number;
  issues: ImportIssue[];
  issuesNotListed: number;
  /** The file's header names (which optional columns it sets). */
  header: string[];
  /** Column name → PostgreSQL array literal, one element per row to write. */
  columns: Record<string, string>;
}

/** The first problems in file order, and a count of the rest. */
class IssueLog {
  readonly listed: ImportIssue[] = [];
  notListed = 0;
  add(issue: ImportIssue): void {
    if (this.listed.length < ISSUES_LISTED) this.listed.push(issue);
    else this.notListed++;
  }
}

/** The first one seen wins a duplicate check. */
class Firsts {
  private readonly seen = new Map<string, number>();
  check(key: string, row: CsvRow, checker: RowChecker, column: string): void {
    const first = this.seen.get(key);
    if (first !== undefined) checker.duplicate(column, first);
    else this.seen.set(key, row.line);
  }
}

/** Values of each column, row by row, in the order the write expects them. */
class Columns {
  private readonly values = new Map<string, (string | null)[]>();
  add(row: Record<string, string | null>): void {
    for (const [name, v] of Object.entries(row)) {
      const list = this.values.get(name) ?? [];
      list.push(v);
      this.values.set(name, list);
    }
  }
  literals(names: string[]): Record<string, string> {
    return Object.fromEntries(names.map((n) => [n, pgTextArray(this.values.get(n) ?? [])]));
  }
}

const COLUMNS: Record<ImportKind, string[]> = {
  teachers: ['id', 'title', 'first', 'surname', 'email', 'role'],
  students: ['id', 'first', 'surname', 'year', 'cls'],
  families: ['id', 'surname', 'email'],
  'family-students': ['owner', 'student'],
  'class-lists': ['owner', 'student', 'subject'],
};

/**
 * Decodes, parses and checks a whole file without touching the database (it runs
 * on a CPU pool thread): every problem of every row, by line and column, the first
 * ISSUES_LISTED of them listed. Throws ImportRejected for a file that cannot be read
 * at all (encoding, not CSV, unknown header).
 */
export function checkImport(input: ImportCheckInput): ImportCheck {
  const { known } = input;
  const log = new IssueLog();
  const columns = new Columns();
  let kind: ImportKind | null = null;
  let header: string[] = [];
  let rows = 0;
  let onRow: (row: CsvRow, k: RowChecker) => void = () => {};

  const byId = new Firsts();
  const byEmail = new Firsts();
  const pairs = new Firsts();
  const familiesPerStudent = new Map<string, number>();
  const kinds: Record<ImportKind, (row: CsvRow, k: RowChecker) => void> = {
    teachers: (row, k) => {
      const id = k.id('staff_id');
      const email = k.email('email', true) ?? '';
      columns.add({
        id,
        title: k.text('title', 20, false),
        first: k.text('first_name', 100, true),
        surname: k.text('surname', 100, true),
        email,
        role: k.oneOf('role', ['teacher', 'admin', 'both'] as const, 'teacher'),
      });
      if (id) byId.check(id, row, k, 'staff_id');
      if (email) {
        byEmail.check(email, row, k, 'email');
        if (known.staffEmails.has(email) && known.staffEmails.get(email) !== id)
          k.custom('email', 'Already used by another staff member of this school.');
      }
    },
    students: (row, k) => {
      const v = {
        id: k.id('student_id'),
        first: k.text('first_name', 100, true),
        surname: k.text('surname', 100, true),
        year: k.text('year', 20, true),
        cls: k.text('class', 40, false),
      };
      if (v.id) byId.check(v.id, row, k, 'student_id');
      columns.add(v);
    },
    families: (row, k) => {
      const v = {
        id: k.id('family_id'),
        surname: k.text('surname', 100, true),
        email: k.email('email', false),
      };
      if (v.id) byId.check(v.id, row, k, 'family_id');
      columns.add(v);
    },
    'family-students': (row, k) => links(row, k, true),
    'class-lists': (row, k) => links(row, k, false),
  };
  const links = (row: CsvRow, k: RowChecker, family: boolean) => {
    const ownerColumn = family ? 'family_id' : 'staff_id';
    const owners = family ? known.families : known.teachers;
    const ownerExt = k.id(ownerColumn);
    const studentExt = k.id('student_id');
    const subject = family ? '' : k.text('subject', 100, false);
    const owner = owners.get(ownerExt);
    const student = known.students.get(studentExt);
    if (ownerExt && !owner) k.unknown(ownerColumn, family ? 'family' : 'teacher');
    if (studentExt && !student) k.unknown('student_id', 'student');
    if (!owner || !student) return;
    pairs.check(`${owner}:${student}`, row, k, 'student_id');
    if (family) {
      const n = (familiesPerStudent.get(student) ?? 0) + 1;
      familiesPerStudent.set(student, n);
      if (n === 3) k.custom('student_id', 'A student belongs to at most two families.');
    }
    columns.add(family ? { owner, student } : { owner, student, subject });
  };

  readCsv(decodeCsv(input.bytes, input.encoding), {
    header: (h) => {
      const detected = detectKind(h, input.kind);
      if ('issue' in detected) throw new ImportRejected([detected.issue]);
      kind = detected.kind;
      header = h;
      onRow = kinds[kind];
    },
    row: (row) => {
      rows++;
      const k = new RowChecker(row);
      onRow(row, k);
      for (const issue of k.issues) log.add(issue);
    },
    issue: (issue) => log.add(issue),
  });
  // readCsv rejects a file without a header, so the kind is known here.
  const found = kind as ImportKind | null;
  if (!found) throw new ImportRejected([{ line: 1, column: 'file', reason: 'The file is empty.' }]);
  const clean = log.listed.length === 0;
  return {
    kind: found,
    rows,
    issues: log.listed,
    issuesNotListed: log.notListed,
    header,
    // A refused file is never written: its columns would only cross the thread boundary for nothing.
    columns: clean ? columns.literals(COLUMNS[found]) : {},
  };
}
