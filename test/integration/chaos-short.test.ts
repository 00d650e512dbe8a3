import { describe, expect, it } from 'vitest';
import { MUST_BE_ZERO, violations } from '../../chaos/report-table.ts';
import { runChaos, SHORT_RUN } from '../../chaos/run-chaos.ts';
import { SHORT_SCENARIOS } from '../../chaos/scenarios.ts';

// The short version of `npm run chaos`: its own PostgreSQL and Redis (it kills Redis),
// two server instances and the workers as real processes, a small storm and a fault.
// Every must-be-zero column is asserted (docs/chaos.md); a failure prints the
// per-slot mismatch report the run logs.
describe('chaos (short)', () => {
  it(`${SHORT_SCENARIOS.join(', ')}: ${MUST_BE_ZERO.join(', ')} all zero, and writes acknowledged after the fault`, async () => {
    const log: string[] = [];
    const rows = await runChaos({
      scenarios: SHORT_SCENARIOS,
      ...SHORT_RUN,
      log: (line) => log.push(line),
    });
    expect(rows.map((r) => r.scenario)).toEqual(SHORT_SCENARIOS);
    const bad = violations(rows);
    expect(bad, bad.length ? log.join('\n').slice(-8000) : '').toEqual([]);
    for (const r of rows) {
      expect(r.ok).toBeGreaterThan(0);
      // The storm went on after the fault ended and was answered.
      expect(r.recoverMs).not.toBeNull();
    }
  }, 180_000);
});
