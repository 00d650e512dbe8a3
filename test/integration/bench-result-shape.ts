import { expect } from 'vitest';
import type { BenchResult } from '../../bench/run-opening-night.ts';

/**
 * What every benchmark result must carry, whatever its profile: the summary the
 * issue names (numbers, null where the profile does not measure a figure), and a
 * database without a double booking, a clash or a lost confirmation.
 */
export function expectResultShape(r: BenchResult, measures: { knee: boolean; goodput: boolean }) {
  const n = expect.any(Number);
  expect(Object.keys(r.summary).sort()).toEqual(
    [
      'profile',
      'parents',
      'holdAckP99',
      'confirmAckP99',
      'commitToScreenP99',
      'kneeBookingsPerSecond',
      'dbOnlyCeilingBookingsPerSecond',
      'cpuMsPerBooking',
      'serverRssMb',
      'doubleBookings',
      'clashes',
      'lostConfirmations',
      'goodputShareOfKnee',
    ].sort(),
  );
  expect(r.summary).toMatchObject({
    profile: r.profile,
    parents: r.options.parents,
    holdAckP99: n,
    confirmAckP99: n,
    dbOnlyCeilingBookingsPerSecond: n,
    serverRssMb: n,
    doubleBookings: 0,
    clashes: 0,
    lostConfirmations: 0,
  });
  expect(r.summary.dbOnlyCeilingBookingsPerSecond).toBeGreaterThan(0);
  expect(r.ceilings.dbOnly.refused).toBe(0);
  if (measures.knee)
    expect(r.summary.kneeBookingsPerSecond === null || r.summary.kneeBookingsPerSecond > 0).toBe(true);
  else expect(r.summary.kneeBookingsPerSecond).toBeNull();
  if (measures.goodput) expect(r.summary.goodputShareOfKnee).toEqual(n);
  else expect(r.summary.goodputShareOfKnee).toBeNull();
  // CPU per booking for every server-side process, and a total that is their sum.
  const cpu = r.summary.cpuMsPerBooking;
  const parts = Object.entries(cpu).filter(([k]) => k !== 'total');
  expect(parts.map(([k]) => k)).toEqual(expect.arrayContaining(['server-1', 'postgres', 'redis']));
  for (const [, v] of parts) expect(v).toBeGreaterThanOrEqual(0);
  expect(cpu.postgres).toBeGreaterThan(0);
  expect(cpu.total).toBeCloseTo(
    parts.filter(([k]) => k !== 'servers').reduce((a, [, v]) => a + v, 0),
    0,
  );
  // Integrity by SQL, and every confirmation the clients were told of is in the database.
  expect(r.integrity).toMatchObject({
    doubleBookings: 0,
    clashes: 0,
    sameTeacherTwice: 0,
    lostConfirmations: 0,
  });
  expect(r.rush.bookingsConfirmed).toBeGreaterThan(0);
  expect(r.integrity.confirmedInDb).toBe(r.rush.bookingsConfirmed);
  expect(r.sockets.connectedAtRush).toBe(r.sockets.expected);
}
