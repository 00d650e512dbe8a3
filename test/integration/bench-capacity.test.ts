import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../bench/report.ts';
import { defaultOptions, runOpeningNight } from '../../bench/run-opening-night.ts';
import { PG_ADMIN_URL, REDIS_URL } from '../support/env.ts';
import { expectResultShape } from './bench-result-shape.ts';

// A small run of the capacity profile, pinned as `npm run bench` pins on two or more
// cores (its own PostgreSQL and Redis on CPU 1 with the server, this process on CPU 0).
// Two short open-loop steps; shape, accounting and integrity only, never speed.
describe('the opening-night benchmark, capacity profile, small', () => {
  it('steps an open-loop rate, answers every booking sent, and finds a knee or none by the rule', async () => {
    const r = await runOpeningNight(
      defaultOptions({
        profile: 'capacity',
        parents: 40,
        poolSize: 5,
        pin: true,
        capacity: { rates: [5, 10], stepSeconds: 2, allSteps: true },
        ceilingScale: 0.3,
        pgAdminUrl: PG_ADMIN_URL,
        redisUrl: REDIS_URL,
        workers: false,
      }),
    );
    expectResultShape(r, { knee: true, goodput: false });
    const pinned = os.cpus().length >= 2;
    expect(r.options.pin).toBe(pinned);
    if (pinned)
      expect(r.pinning.systemUnderTest).toMatch(/^CPU 1: server-1 \(pid \d+\).*PostgreSQL.*redis-server/);
    const steps = r.capacity!.steps;
    expect(steps.map((s) => s.rate)).toEqual([5, 10]);
    for (const s of steps) {
      // Open loop: the schedule sent rate × seconds bookings, and each one got an answer.
      expect(s.offered).toBe(s.rate * 2);
      expect(s.hold.count).toBe(s.offered);
      expect(s.bookings + s.refused).toBe(s.offered);
      expect(s.held).toBe(
        (s.hold.p99 ?? Infinity) <= 100 && (s.confirm.p99 ?? Infinity) <= 100 && s.refusedShare < 0.01,
      );
    }
    const held = steps.filter((s) => s.held).map((s) => s.rate);
    expect(r.summary.kneeBookingsPerSecond).toBe(held.length ? Math.max(...held) : null);
    expect(r.rush.bookingsConfirmed).toBe(steps.reduce((a, s) => a + s.bookings, 0));
    // The summary's answers are those at the knee, or at the first step when none was held.
    const at = steps.find((s) => s.rate === r.summary.kneeBookingsPerSecond) ?? steps[0]!;
    expect(r.summary).toMatchObject({ holdAckP99: at.hold.p99, confirmAckP99: at.confirm.p99 });
    expect(formatTable(r)).toContain('knee (bookings/s)');
  }, 240_000);
});
