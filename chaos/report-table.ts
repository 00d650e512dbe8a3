import type { ScenarioRow } from './run-chaos.ts';

/** Columns that must read zero in every scenario (docs/chaos.md). */
export const MUST_BE_ZERO = [
  'doubleBookings',
  'familyOverlaps',
  'ackLost',
  'toldFailedHappened',
  'screenMismatches',
  'mailsOver2',
  'mailsMissing',
  'lapsedHeld',
  'deadServers',
] as const satisfies readonly (keyof ScenarioRow)[];

const HEADERS: [keyof ScenarioRow, string][] = [
  ['scenario', 'scenario'],
  ['writes', 'writes'],
  ['ok', 'ok'],
  ['ambiguous', 'ambig'],
  ['doubleBookings', 'double*'],
  ['familyOverlaps', 'overlap*'],
  ['ackLost', 'ack-lost*'],
  ['toldFailedHappened', 'failed-but-done*'],
  ['screenMismatches', 'screen≠db*'],
  ['mailsOver2', 'mail>2*'],
  ['mailsMissing', 'mail-missing*'],
  ['mailsTwice', 'mail×2'],
  ['lapsedHeld', 'lapsed-held*'],
  ['deadServers', 'dead*'],
  ['recoverMs', 'recover ms'],
  ['error', 'error'],
];

/** One row per scenario; starred columns must be zero. */
export function formatTable(rows: ScenarioRow[]): string {
  const cells = rows.map((r) => HEADERS.map(([k]) => (r[k] === null ? '—' : String(r[k]))));
  const widths = HEADERS.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (xs: string[]) => `| ${xs.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(HEADERS.map(([, h]) => h)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
    '* must be 0',
  ].join('\n');
}

/** The must-be-zero columns that are not, per scenario (empty: all clean). */
export function violations(rows: ScenarioRow[]): string[] {
  return rows.flatMap((r) => [
    ...(r.error ? [`${r.scenario}: error ${r.error}`] : []),
    ...MUST_BE_ZERO.filter((k) => r[k] !== 0).map((k) => `${r.scenario}: ${k}=${r[k]}`),
  ]);
}
