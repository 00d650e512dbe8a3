import type { BenchResult } from './run-opening-night.ts';

const fmt = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '–' : `${v}${unit}`;

/** The benchmark's table, as printed and quoted in docs/scale-out.md. */
export function formatTable(r: BenchResult): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: string) => rows.push([k, v]);
  const lat = (s: { p50: number | null; p95: number | null; p99: number | null; count: number }) =>
    `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)} ms  (n=${s.count})`;
  add('profile', r.profile);
  add(
    'parents / teachers / instances',
    `${r.options.parents} / ${r.options.teachers} / ${r.options.instances}`,
  );
  add(
    'machine',
    `${r.machine.cpus}× ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}`,
  );
  add('pinning: load generator', r.pinning.generator);
  add('pinning: system under test', r.pinning.systemUnderTest);
  add('load average at the end', r.machine.loadAverage.join(' '));
  add('ceiling: INSERT tx/s', fmt(r.ceilings.insertPerSecond));
  add(
    'ceiling: database-only bookings/s',
    `${fmt(r.ceilings.dbOnlyBookingsPerSecond)}  (hold + confirm statements, ${r.ceilings.dbOnly.concurrency} at once)`,
  );
  add('ceiling: Redis SET NX PX /s', fmt(r.ceilings.redisSetNxPerSecond));
  add(
    'ceiling: bare broadcast p50/p99',
    `${fmt(r.ceilings.broadcast.p50)} / ${fmt(r.ceilings.broadcast.p99)} ms  (${r.ceilings.broadcast.deltas} deltas at ${r.ceilings.broadcast.deltasPerSecond}/s to ${r.ceilings.broadcast.clients} clients; ${r.ceilings.broadcast.delivered} of ${r.ceilings.broadcast.expectedDeliveries} delivered)`,
  );
  if (r.capacity) {
    for (const s of r.capacity.steps)
      add(
        `step ${s.rate}/s`,
        `${s.bookingsPerSecond} bookings/s; hold p50/p99 ${fmt(s.hold.p50)} / ${fmt(s.hold.p99)} ms, confirm ${fmt(s.confirm.p50)} / ${fmt(s.confirm.p99)} ms; refused ${(s.refusedShare * 100).toFixed(2)}%; ${fmt(s.cpuMsPerBooking)} ms CPU/booking${s.held ? '' : '  (not held)'}`,
      );
    add('knee (bookings/s)', `${fmt(r.capacity.knee)}  (${r.capacity.kneeRule})`);
    add('knee ÷ database-only ceiling', fmt(r.ratios.kneeToDbOnlyCeiling));
  }
  if (r.overload)
    add(
      'goodput ÷ knee',
      `${fmt(r.overload.goodputShareOfKnee)}  (${r.overload.goodputBookingsPerSecond} bookings/s against a knee of ${fmt(r.overload.knee)}; ${r.overload.offeredHoldsPerSecond} holds/s offered)`,
    );
  add('busy answers / without Retry-After', `${r.rush.busyAnswers} / ${r.rush.busyWithoutRetryAfter}`);
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
  if (r.arrivalToItinerary) add('arrival to confirmed itinerary p50/p95/p99', lat(r.arrivalToItinerary));
  add(
    'CPU ms per booking',
    `${Object.entries(r.cpu.cpuMsPerBooking)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}  (generator ${r.cpu.generatorMsPerBooking}; ${r.cpu.bookings} bookings in ${r.cpu.windowSeconds} s)`,
  );
  add('system under test: share of one core used', fmt(r.cpu.sutCoreShare));
  for (const st of (r.cpu.topStatements ?? []).slice(0, 6))
    add(
      `PostgreSQL ${st.toplevel ? 'statement' : '  inside'}`,
      `${st.msPerBooking} ms/booking (${st.callsPerBooking} calls, mean ${st.mean} ms): ${st.query.slice(0, 70)}`,
    );
  add(
    'CPU ms per second while idle',
    Object.entries(r.cpu.idleMsPerSecond)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
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
