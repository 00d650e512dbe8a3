import type { LatencySummary } from './latency.ts';

/** The figures every result carries at its top, so results can be compared across commits. */
export interface BenchSummary {
  profile: 'human' | 'capacity' | 'overload';
  parents: number;
  holdAckP99: number | null;
  confirmAckP99: number | null;
  commitToScreenP99: number | null;
  kneeBookingsPerSecond: number | null;
  dbOnlyCeilingBookingsPerSecond: number | null;
  cpuMsPerBooking: Record<string, number>;
  serverRssMb: number | null;
  doubleBookings: number;
  clashes: number;
  lostConfirmations: number;
  goodputShareOfKnee: number | null;
}

interface Measured {
  profile: BenchSummary['profile'];
  options: { parents: number };
  acks: { hold: LatencySummary; confirm: LatencySummary };
  commitToScreen: LatencySummary;
  capacity: {
    knee: number | null;
    steps: { rate: number; hold: LatencySummary; confirm: LatencySummary }[];
  } | null;
  overload: { goodputShareOfKnee: number | null } | null;
  ceilings: { dbOnlyBookingsPerSecond: number };
  cpu: { cpuMsPerBooking: Record<string, number> };
  serverRssMb: number;
  integrity: { doubleBookings: number; clashes: number; lostConfirmations: number };
}

/** The figures every result carries; for capacity, the answers are those at the knee (else the first step). */
export function summaryOf(r: Measured): BenchSummary {
  const steps = r.capacity?.steps ?? [];
  const at = steps.find((s) => s.rate === r.capacity?.knee) ?? steps[0];
  const acks = at ?? r.acks;
  return {
    profile: r.profile,
    parents: r.options.parents,
    holdAckP99: acks.hold.p99,
    confirmAckP99: acks.confirm.p99,
    commitToScreenP99: r.commitToScreen.p99,
    kneeBookingsPerSecond: r.profile === 'capacity' ? (r.capacity?.knee ?? null) : null,
    dbOnlyCeilingBookingsPerSecond: r.ceilings.dbOnlyBookingsPerSecond,
    cpuMsPerBooking: r.cpu.cpuMsPerBooking,
    serverRssMb: r.serverRssMb,
    doubleBookings: r.integrity.doubleBookings,
    clashes: r.integrity.clashes,
    lostConfirmations: r.integrity.lostConfirmations,
    goodputShareOfKnee: r.profile === 'overload' ? (r.overload?.goodputShareOfKnee ?? null) : null,
  };
}
