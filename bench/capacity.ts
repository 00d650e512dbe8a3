import type { PlannedBooking } from './booking-plan.ts';
import { type CpuReading, cpuDelta } from './cpu-time.ts';
import { nowMs, round, Samples } from './latency.ts';
import type { RushMetrics, SimulatedParent } from './parent.ts';

/** A step is held when hold and confirm p99 are within this and under 1% of bookings are refused. */
export const KNEE_P99_MS = 100;
export const KNEE_REFUSED_SHARE = 0.01;

export interface CapacityOptions {
  parents: SimulatedParent[];
  work: Iterator<PlannedBooking>;
  metrics: RushMetrics;
  rates: number[];
  stepSeconds: number;
  /** Go on after the first step that is not held (by default the run stops there: past the knee). */
  allSteps: boolean;
  readCpu: () => CpuReading;
  log: (line: string) => void;
}

/**
 * The capacity profile: open-loop arrivals at a fixed rate per step. Booking i of a
 * step is due at start + i / rate whatever happened to the ones before it; its hold
 * is timed from that due time (coordinated omission would hide a queue by waiting
 * for it). Each step's bookings are let finish before the next step starts, so
 * every figure belongs to one rate.
 */
export async function runCapacitySteps(o: CapacityOptions) {
  const steps = [];
  const start = performance.now();
  let ranOut = false;
  for (const rate of o.rates) {
    const hold = new Samples();
    const confirm = new Samples();
    const refusals: Record<string, number> = {};
    let offered = 0;
    let bookings = 0;
    let refused = 0;
    let lateSendMs = 0;
    const inFlight: Promise<void>[] = [];
    const cpuBefore = o.readCpu();
    const stepStart = nowMs();
    const total = Math.round(rate * o.stepSeconds);
    for (let i = 0; i < total; i++) {
      const due = stepStart + (i * 1000) / rate;
      const wait = due - nowMs();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const next = o.work.next();
      if (next.done) {
        ranOut = true;
        break;
      }
      offered++;
      lateSendMs = Math.max(lateSendMs, nowMs() - due);
      const b = next.value;
      inFlight.push(
        o.parents[b.family]!.bookOnce(b.slotId, b.studentId, due).then((r) => {
          if (r.holdMs !== null) hold.add(r.holdMs);
          if (r.confirmMs !== null) confirm.add(r.confirmMs);
          bookings += r.bookings;
          if (r.refused) {
            refused++;
            refusals[r.refused] = (refusals[r.refused] ?? 0) + 1;
          }
        }),
      );
    }
    const sentFor = (nowMs() - stepStart) / 1000;
    await Promise.all(inFlight);
    const seconds = (nowMs() - stepStart) / 1000;
    const used = cpuDelta(cpuBefore, o.readCpu());
    const serverSide = Object.entries(used)
      .filter(([k]) => k !== 'generator')
      .reduce((a, [, v]) => a + v, 0);
    const h = hold.summary();
    const c = confirm.summary();
    const refusedShare = offered ? refused / offered : 1;
    const held =
      !ranOut &&
      offered > 0 &&
      (h.p99 ?? Infinity) <= KNEE_P99_MS &&
      (c.p99 ?? Infinity) <= KNEE_P99_MS &&
      refusedShare < KNEE_REFUSED_SHARE;
    const step = {
      rate,
      offered,
      bookings,
      bookingsPerSecond: round(bookings / sentFor),
      /** Until the last booking of the step was answered. */
      seconds: round(seconds, 2),
      hold: h,
      confirm: c,
      refused,
      refusedShare: round(refusedShare, 4),
      refusals,
      /** How late the generator sent its latest booking (its own lag is in the latencies). */
      maxSendLagMs: round(lateSendMs),
      cpuMsPerBooking: bookings ? round(serverSide / bookings, 2) : null,
      held,
      ranOutOfWork: ranOut,
    };
    steps.push(step);
    o.log(
      `  ${rate}/s: ${step.bookingsPerSecond} bookings/s, hold p99 ${h.p99} ms, confirm p99 ${c.p99} ms, refused ${(refusedShare * 100).toFixed(2)}%, ${step.cpuMsPerBooking} ms CPU/booking${held ? '' : ' — not held'}`,
    );
    if (ranOut) {
      o.log('  the evening ran out of free slots: stopping');
      break;
    }
    if (!held && !o.allSteps) break;
  }
  const heldRates = steps.filter((s) => s.held).map((s) => s.rate);
  return {
    steps,
    knee: heldRates.length ? Math.max(...heldRates) : null,
    kneeRule: `hold and confirm p99 ≤ ${KNEE_P99_MS} ms and under ${KNEE_REFUSED_SHARE * 100}% refused`,
    seconds: (performance.now() - start) / 1000,
  };
}
