import type { ImportKind } from '../../../../protocol/schools.ts';
import {
  type CsvRow,
  decodeCsv,
  type FileEncoding,
  type ImportIssue,
  ImportRejected,
  readCsv,
} from './csv-table.ts';
import { homeLanguageLocale } from './home-language.ts';
import { type CheckedRows, type ImportPlan, planImport } from './import-plan.ts';
import { detectKind, RowChecker } from './import-rows.ts';
import type { Roster } from './school-roster.ts';

/** Problems listed in a refusal; the rest are counted. A whole bad file is not answered line by line. */
export const ISSUES_LISTED = 100;

/** What the school already holds, by its own (external) ids. */
interface KnownIds {
  /** Staff e-mail → that person's external id (null when they have none). */
  staffEmails: Map<string, string | null>;
  /** External id → staff id, of staff who teach (class lists name teachers only). */
  teachers: Map<string, string>;
  students: Map<string, string>;
  families: Map<string, string>;
}

function knownIds(roster: Roster): KnownIds {
  const byExternal = (rows: { id: string | null; externalId: string | null }[]) =>
    new Map(rows.filter((r) => r.externalId && r.id).map((r) => [r.externalId!, r.id!]));
  return {
    staffEmails: new Map(roster.staff.map((r) => [r.email, r.externalId])),
    // Class lists name teachers: an id of someone who is only an admin is refused.
    teachers: byExternal(roster.staff.filter((r) => r.isTeacher)),
    students: byExternal(roster.students),
    families: byExternal(roster.families),
  };
}

export interface ImportCheckInput {
  bytes: Uint8Array;
  encoding: FileEncoding;
  kind?: ImportKind | undefined;
  /** The school as it was read for this check: the plan is computed against it. */
  roster: Roster;
}

/** A checked file: its kind, rows, problems and, when clean, the plan of what importing it writes. */
export interface ImportCheck {
  kind: ImportKind;
  rows: number;
  issues: ImportIssue[];
  issuesNotListed: number;
  /** Null for a refused file: its plan would only cross the thread boundary for nothing. */
  plan: ImportPlan | null;
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

/**
 * Decodes, parses and checks a whole file without touching the database (it runs
 * on a CPU pool thread): every problem of every row, by line and column, the first
 * ISSUES_LISTED of them listed; for a clean file, the plan of what importing it into
 * the school as read writes (planImport, the one diff). Throws ImportRejected for a
 * file that cannot be read at all (encoding, not CSV, unknown header).
 */
export function checkImport(input: ImportCheckInput): ImportCheck {
  const known = knownIds(input.roster);
  const log = new IssueLog();
  const checked: Record<ImportKind, unknown[]> = {
    teachers: [],
    students: [],
    families: [],
    'family-students': [],
    'class-lists': [],
  };
  let kind: ImportKind | null = null;
  let header: string[] = [];
  let rows = 0;
  let onRow: (row: CsvRow, k: RowChecker) => void = () => {};

  const byId = new Firsts();
  const byEmail = new Firsts();
  const pairs = new Firsts();
  const familiesPerStudent = new Map<string, number>();
  // The MIS's home language: a language we do not offer is counted, not refused.
  let languagesNotOffered = 0;
  const homeLanguage = (row: CsvRow) => {
    const cell = row.values.home_language ?? row.values.language ?? '';
    const locale = homeLanguageLocale(cell);
    if (cell.trim() && !locale) languagesNotOffered++;
    return locale;
  };
  const kinds: Record<ImportKind, (row: CsvRow, k: RowChecker) => void> = {
    teachers: (row, k) => {
      const id = k.id('staff_id');
      const email = k.email('email', true) ?? '';
      checked.teachers.push({
        externalId: id,
        title: k.text('title', 20, false),
        firstName: k.text('first_name', 100, true),
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
        externalId: k.id('student_id'),
        firstName: k.text('first_name', 100, true),
        surname: k.text('surname', 100, true),
        yearGroup: k.text('year', 20, true),
        className: k.text('class', 40, false),
      };
      if (v.externalId) byId.check(v.externalId, row, k, 'student_id');
      checked.students.push(v);
    },
    families: (row, k) => {
      const v = {
        externalId: k.id('family_id'),
        surname: k.text('surname', 100, true),
        email: k.email('email', false),
        // The MIS's "needs interpreter" column: the language, or empty for none.
        interpreterLanguage: k.language('interpreter') ?? k.language('needs_interpreter'),
        language: homeLanguage(row),
      };
      if (v.externalId) byId.check(v.externalId, row, k, 'family_id');
      checked.families.push(v);
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
    if (family) checked['family-students'].push({ familyId: owner, studentId: student });
    else checked['class-lists'].push({ staffId: owner, studentId: student, subject });
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
  const has = new Set(header);
  const file = {
    kind: found,
    rows: checked[found],
    setsRoles: has.has('role'),
    setsEmail: has.has('email'),
    setsInterpreter: has.has('interpreter') || has.has('needs_interpreter'),
    languagesNotOffered,
  } as CheckedRows;
  return {
    kind: found,
    rows,
    issues: log.listed,
    issuesNotListed: log.notListed,
    plan: clean ? planImport(file, input.roster) : null,
  };
}
