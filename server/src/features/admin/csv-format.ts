export interface CsvFile {
  filename: string;
  body: string;
}

// A cell starting with one of these is a formula to a spreadsheet; a family's or
// teacher's name must never run as one when the admin opens the export.
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * RFC 4180 CSV: CRLF line ends, fields with a comma, quote or line break quoted and
 * quotes doubled. It starts with a byte-order mark so Excel reads it as UTF-8.
 */
export function toCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** A file name safe in a Content-Disposition header: ASCII letters, digits and dashes. */
export function csvFilename(...parts: string[]): string {
  const slug = parts
    .join('-')
    .normalize('NFKD')
    .replace(/[^\w-]+/g, '-')
    .replace(/_/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
  return `${slug.slice(0, 100) || 'export'}.csv`;
}
