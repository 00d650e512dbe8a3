import { describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/report.ts';
import { defaultOptions, HUMAN_BEHAVIOUR, runOpeningNight } from '../../bench/run-opening-night.ts';
import { PG_ADMIN_URL, REDIS_URL } from '../support/env.ts';
import { expectResultShape } from './bench-result-shape.ts';

// A small, quick run of the human profile (the default of `npm run bench`): parents
// arriving over a few seconds instead of minutes and pausing a fifth of a second
// instead of four, with the workers. Output shape and integrity only; never speed.
describe('the opening-night benchmark, human profile, small', () => {
  it('reports what a parent feels, CPU per booking per process, and 0 double bookings', async () => {
    const r = await runOpeningNight(
      defaultOptions({
        profile: 'human',
        parents: 40,
        poolSize: 5,
        arrival: { burstSeconds: 1, spreadSeconds: 3 },
        behaviour: { ...HUMAN_BEHAVIOUR, thinkMs: 150 },
        ceilingScale: 0.3,
        pgAdminUrl: PG_ADMIN_URL,
        redisUrl: REDIS_URL,
        workers: true,
      }),
    );
    expectResultShape(r, { knee: false, goodput: false });
    const n = expect.any(Number);
    // The school grew with its families: one teacher per ~33, at least two.
    expect(r.options.teachers).toBe(2);
    expect(r.options.behaviour).toMatchObject({ think: 'lognormal', thinkMs: 150 });
    for (const k of ['hold', 'confirm'] as const) expect(r.acks[k]).toMatchObject({ p50: n, p95: n, p99: n });
    expect(r.commitToScreen).toMatchObject({ p50: n, p99: n });
    // Every confirmed itinerary has its time from arrival, and it is at least the answer's.
    expect(r.arrivalToItinerary).toMatchObject({ p50: n, p95: n, p99: n, count: r.acks.confirm.count });
    expect(r.arrivalToItinerary!.p50!).toBeGreaterThanOrEqual(r.acks.confirm.p50!);
    // The workers are part of the system under test and have their CPU per booking.
    expect(r.summary.cpuMsPerBooking.workers).toEqual(n);
    // …and were alive to answer at the end (a crashed workers process reads 0 ms).
    expect(r.processes.workers).toMatchObject({ peakRssMb: n });
    expect(r.summary.commitToScreenP99).toEqual(n);
    expect(r.cpu.idleMsPerSecond).toMatchObject({ 'server-1': n, postgres: n, redis: n, workers: n });
    expect(formatTable(r)).toContain('arrival to confirmed itinerary p50/p95/p99');
  }, 240_000);
});
