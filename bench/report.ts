import type { BenchResult } from './run-opening-night.ts';

const fmt = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '–' : `${v}${unit}`;

/** The benchmark's table, as printed and quoted in docs/scale-out.md. */
export function formatTable(r: BenchResult): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: string) => rows.push([k, v]);
  const lat = (s: { p50: number | null; p95: number | null; p99: number | null; count: number }) =>
    `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)} ms  (n=${s.count})`;
  add(
    'parents / teachers / instances',
    `${r.options.parents} / ${r.options.teachers} / ${r.options.instances}`,
  );
  add(
    'machine',
    `${r.machine.cpus}× ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
  );
  add('ceiling: INSERT tx/s', fmt(r.ceilings.insertPerSecond));
  add('ceiling: Redis SET NX PX /s', fmt(r.ceilings.redisSetNxPerSecond));
  add(
    'ceiling: bare broadcast p50/p99',
    `${fmt(r.ceilings.broadcast.p50)} / ${fmt(r.ceilings.broadcast.p99)} ms  (${r.ceilings.broadcast.deltas} deltas at ${r.ceilings.broadcast.deltasPerSecond}/s to ${r.ceilings.broadcast.clients} clients; ${r.ceilings.broadcast.delivered} of ${r.ceilings.broadcast.expectedDeliveries} delivered)`,
  );
  add('rush duration', `${r.rush.seconds} s`);
  add('hold attempts/s', fmt(r.rush.holdAttemptsPerSecond));
  add('bookings/s', fmt(r.rush.bookingsPerSecond));
  add('bookings/s ÷ INSERT ceiling', fmt(r.ratios.bookingsToInsertCeiling));
  add('ack hold p50/p95/p99', lat(r.acks.hold));
  add('ack confirm p50/p95/p99', lat(r.acks.confirm));
  add('ack losers (slot_taken) p50/p95/p99', lat(r.acks.losers));
  add('busy answers (503/unavailable)', `${r.acks.busy.count}`);
  add(
    'commit-to-screen p50/p99',
    `${fmt(r.commitToScreen.p50)} / ${fmt(r.commitToScreen.p99)} ms  (${r.rush.deltas} facts, ${r.commitToScreen.count} fact deliveries)`,
  );
  add('commit-to-every-screen p99 (per fact)', `${fmt(r.commitToScreen.everyScreenP99)} ms`);
  add('commit-to-screen p99 ÷ bare broadcast p99', fmt(r.ratios.screenToBroadcastP99));
  add('bookings confirmed (db)', `${r.integrity.confirmedInDb}`);
  add(
    'double bookings / clashes / lost',
    `${r.integrity.doubleBookings} / ${r.integrity.clashes} / ${r.integrity.lostConfirmations}`,
  );
  add(
    'server peak RSS',
    r.processes.servers
      .map(
        (s) => `${s.peakRssMb} MB (after the rush: heap ${s.heapUsedMb} MB, outside it ${s.externalMb} MB)`,
      )
      .join(', '),
  );
  add(
    'server event-loop delay p99',
    r.processes.servers.map((s) => `${s.eventLoopDelayP99Ms} ms`).join(', '),
  );
  add('workers peak RSS', r.processes.workers ? `${r.processes.workers.peakRssMb} MB` : 'not running');
  add('sockets connected', `${r.sockets.connectedAtRush} of ${r.sockets.expected}`);
  add('load generator event-loop delay p99', `${r.loadGenerator.eventLoopDelayP99Ms} ms`);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const targets = r.targets.map(
    (t) => `${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value} (target ${t.target})`,
  );
  return [...lines, '', ...targets].join('\n');
}
