import { formatTable, violations } from './report-table.ts';
import { FULL_RUN, runChaos, SHORT_RUN } from './run-chaos.ts';
import { SCENARIOS, SHORT_SCENARIOS } from './scenarios.ts';

// `npm run chaos [-- --short] [-- --scenario <name>]`: the fault-injection suite on its
// own PostgreSQL and Redis. Exits 1 when a must-be-zero column is not zero.
const args = process.argv.slice(2);
const short = args.includes('--short');
const only = args.flatMap((a, i) => (a === '--scenario' && args[i + 1] ? [args[i + 1]!] : []));
const rows = await runChaos({
  scenarios: only.length ? only : short ? SHORT_SCENARIOS : SCENARIOS.map((s) => s.name),
  ...(short ? SHORT_RUN : FULL_RUN),
  log: (line) => console.error(line),
});
console.log(formatTable(rows));
const bad = violations(rows);
if (bad.length) console.log(`\nmust-be-zero columns not zero:\n  ${bad.join('\n  ')}`);
process.exit(bad.length ? 1 : 0);
