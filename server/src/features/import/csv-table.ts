import { CsvError, parse } from 'csv-parse/sync';

export interface ImportIssue {
  /** 1-based line of the file (the line a row starts on). */
  line: number;
  /** The header name, or `file` for a problem with the file as a whole. */
  column: string;
  reason: string;
}

export class ImportRejected extends Error {
  constructor(
    /** The first problems, in file order (at most the issue limit). */
    readonly issues: ImportIssue[],
    /** Further problems found but not listed: a file of 500,000 bad lines is not answered line by line. */
    readonly notListed = 0,
  ) {
    super(`${issues.length + notListed} problem(s) in the file`);
  }
}

export type FileEncoding = 'utf-8' | 'windows-1252';

/**
 * Bytes to text. UTF-8 is checked strictly: a file saved by Excel as "CSV" (Windows-1252)
 * fails here with the line of the first bad byte instead of importing "JosÃ©" —
 * unless the uploader says it is Windows-1252, which is then decoded as such.
 */
export function decodeCsv(bytes: Uint8Array, encoding: FileEncoding): string {
  if (encoding === 'windows-1252') return new TextDecoder('windows-1252').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = lenient.slice(0, Math.max(0, at)).split('\n').length;
    throw new ImportRejected([
      {
        line,
        column: 'file',
        reason:
          'The file is not UTF-8 (often a spreadsheet saved as plain "CSV"). Save it as "CSV UTF-8", or upload it again saying its encoding is windows-1252.',
      },
    ]);
  }
}

export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

/** Header cells compared without case, spaces or dashes: "First name" = "first_name". */
export function normaliseHeader(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

// Separator: whichever of `,` `;` or tab occurs most in the header line outside quotes.
// Spreadsheets in many European locales write `;` because `,` is their decimal mark.
function detectDelimiter(text: string): string {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const outside = firstLine.replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, outside.split(d).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/**
 * Reads CSV text record by record: `onHeader` gets the normalised header (and may
 * refuse the file by throwing), `onRow` each row with its line number. No record is
 * kept, so memory stays that of the text (bounded by the upload limit) plus what the
 * callbacks keep. Rows with the wrong field count go to `onIssue`; a file that is not
 * CSV at all is rejected.
 */
export function readCsv(
  text: string,
  on: {
    header(header: string[]): void;
    row(row: CsvRow): void;
    issue(issue: ImportIssue): void;
  },
): void {
  let header: string[] | null = null;
  try {
    parse(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], context: { lines: number }) => {
        if (!header) {
          header = record.map(normaliseHeader);
          const seen = new Set<string>();
          for (const h of header) {
            if (seen.has(h)) on.issue({ line: 1, column: h, reason: 'This column appears twice.' });
            seen.add(h);
          }
          on.header(header);
          return null;
        }
        const newlinesInside = record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
        const line = context.lines - newlinesInside;
        // A line of only separators (a spreadsheet's trailing rows) is empty, not bad.
        if (record.every((c) => c.trim() === '')) return null;
        if (record.length !== header.length) {
          on.issue({
            line,
            column: 'file',
            reason: `Expected ${header.length} fields, found ${record.length} (a separator inside an unquoted value?).`,
          });
          return null;
        }
        const values: Record<string, string> = {};
        header.forEach((h, i) => {
          values[h] = (record[i] ?? '').trim();
        });
        on.row({ line, values });
        // Returning nothing keeps csv-parse from collecting the records.
        return null;
      },
    });
  } catch (err) {
    if (err instanceof CsvError) {
      const line = typeof err.lines === 'number' ? err.lines : 0;
      throw new ImportRejected([{ line, column: 'file', reason: err.message.replace(/^[^:]+: /, '') }]);
    }
    throw err;
  }
  if (!header) throw new ImportRejected([{ line: 1, column: 'file', reason: 'The file is empty.' }]);
}
