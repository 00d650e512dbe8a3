import { z } from 'zod';
import { canonicalLanguage } from '../../../../protocol/interpreters.ts';
import { IMPORT_COLUMNS, type ImportKind } from '../../../../protocol/schools.ts';
import type { CsvRow, ImportIssue } from './csv-table.ts';

/** Which kind of file this is, from its header (or the kind the uploader named). */
export function detectKind(
  header: string[],
  named?: ImportKind,
): { kind: ImportKind } | { issue: ImportIssue } {
  const has = new Set(header);
  const fits = (k: ImportKind) => IMPORT_COLUMNS[k].required.every((c) => has.has(c));
  let kind = named;
  if (!kind) {
    if (has.has('family_id') && has.has('student_id')) kind = 'family-students';
    else if (has.has('staff_id') && has.has('student_id')) kind = 'class-lists';
    else if (has.has('staff_id')) kind = 'teachers';
    else if (has.has('student_id')) kind = 'students';
    else if (has.has('family_id')) kind = 'families';
  }
  if (!kind)
    return {
      issue: {
        line: 1,
        column: 'file',
        reason: 'Unknown file: the header needs staff_id, student_id or family_id (see docs/schools.md).',
      },
    };
  if (!fits(kind)) {
    const missing = IMPORT_COLUMNS[kind].required.filter((c) => !has.has(c));
    return {
      issue: { line: 1, column: 'file', reason: `A ${kind} file needs the column(s) ${missing.join(', ')}.` },
    };
  }
  const known = new Set([...IMPORT_COLUMNS[kind].required, ...IMPORT_COLUMNS[kind].optional]);
  const extra = header.filter((h) => !known.has(h));
  if (extra.length)
    return {
      issue: {
        line: 1,
        column: extra[0]!,
        reason: `Unknown column(s) for a ${kind} file: ${extra.join(', ')}. Allowed: ${[...known].join(', ')}.`,
      },
    };
  return { kind };
}

const externalId = /^[\w./-]{1,64}$/;
const email = z.email();

/** Field checks shared by every kind: each failing field is one issue. */
export class RowChecker {
  readonly issues: ImportIssue[] = [];

  constructor(private readonly row: CsvRow) {}

  private fail(column: string, reason: string): void {
    this.issues.push({ line: this.row.line, column, reason });
  }

  id(column: string): string {
    const v = this.row.values[column] ?? '';
    if (!v) this.fail(column, 'Missing.');
    else if (!externalId.test(v))
      this.fail(column, 'Use up to 64 letters, digits, dots, dashes or underscores.');
    return v;
  }

  text(column: string, max: number, required: boolean): string {
    const v = this.row.values[column] ?? '';
    if (required && !v) this.fail(column, 'Missing.');
    else if (v.length > max) this.fail(column, `Longer than ${max} characters.`);
    // A cell starting like a formula is refused rather than stored: it would run in
    // the spreadsheet of whoever exports it later.
    else if (/^[=+@]/.test(v)) this.fail(column, 'Starts with =, + or @ (a spreadsheet formula?).');
    return v;
  }

  email(column: string, required: boolean): string | null {
    const v = (this.row.values[column] ?? '').toLowerCase();
    if (!v) {
      if (required) this.fail(column, 'Missing.');
      return null;
    }
    if (v.length > 254 || !email.safeParse(v).success) this.fail(column, 'Not an e-mail address.');
    return v;
  }

  /** A BCP-47 language code in its stored form, or null for an empty cell. */
  language(column: string): string | null {
    const v = (this.row.values[column] ?? '').trim();
    if (!v) return null;
    const tag = canonicalLanguage(v);
    if (!tag) this.fail(column, 'Use a language code, such as pl, ur or pt-BR.');
    return tag;
  }

  oneOf<T extends string>(column: string, allowed: readonly T[], fallback: T): T {
    const v = (this.row.values[column] ?? '').toLowerCase();
    if (!v) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.fail(column, `Use one of: ${allowed.join(', ')}.`);
      return fallback;
    }
    return v as T;
  }

  /** Reports `column` of this row as a repeat of an earlier line's value. */
  duplicate(column: string, firstLine: number): void {
    this.fail(column, `Same as line ${firstLine}: each row must be different.`);
  }

  unknown(column: string, what: string): void {
    this.fail(column, `No ${what} with this id (import the ${what}s first).`);
  }

  custom(column: string, reason: string): void {
    this.fail(column, reason);
  }
}
