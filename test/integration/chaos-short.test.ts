import { describe, expect, it } from 'vitest';
import { runChaos, SHORT_RUN } from '../../chaos/run-chaos.ts';
import { SHORT_SCENARIOS } from '../../chaos/scenarios.ts';

// The short version of `npm run chaos`: its own PostgreSQL and Redis (it kills Redis),
// two server instances and the workers as real processes, a small storm and a fault.
// It asserts the columns that hold today; the full run's table (README) shows the rest.
describe('chaos (short)', () => {
  it('Redis losing its data mid-storm: no double booking or overlap, no acknowledged write lost, lapsed holds ended and shown as free, servers alive', async () => {
    const rows = await runChaos({
      scenarios: SHORT_SCENARIOS,
      ...SHORT_RUN,
      log: () => {},
    });
    expect(rows.map((r) => r.scenario)).toEqual(SHORT_SCENARIOS);
    for (const r of rows) {
      expect(r.error).toBeNull();
      expect(r.ok).toBeGreaterThan(0);
      expect({
        scenario: r.scenario,
        doubleBookings: r.doubleBookings,
        familyOverlaps: r.familyOverlaps,
        ackLost: r.ackLost,
        lapsedHeld: r.lapsedHeld,
        screenMismatches: r.screenMismatches,
        mailsOver2: r.mailsOver2,
        deadServers: r.deadServers,
      }).toEqual({
        scenario: r.scenario,
        doubleBookings: 0,
        familyOverlaps: 0,
        ackLost: 0,
        lapsedHeld: 0,
        screenMismatches: 0,
        mailsOver2: 0,
        deadServers: 0,
      });
    }
  }, 180_000);
});
