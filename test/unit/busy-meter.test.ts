import { describe, expect, it } from 'vitest';
import { BusyMeter } from '../../server/src/infra/busy-meter.ts';

describe('BusyMeter: the Retry-After that spreads a returning crowd', () => {
  it('asks for 1 s when few are turned away, and grows with turned-away per served', () => {
    const now = 0;
    const meter = new BusyMeter(() => now);
    for (let i = 0; i < 100; i++) meter.serve();
    expect(meter.turnAway()).toBe(1);
    for (let i = 0; i < 398; i++) meter.turnAway();
    // 400 turned away for 100 served: come back in about 4 s.
    expect(meter.turnAway()).toBe(4);
  });

  it('remembers the previous second, forgets older ones, and keeps to its floor and cap', () => {
    let now = 0;
    const meter = new BusyMeter(() => now, 30);
    for (let i = 0; i < 10; i++) meter.serve();
    for (let i = 0; i < 59; i++) meter.turnAway();
    now = 1500;
    expect(meter.turnAway()).toBe(6); // (59 + 1) turned away for 10 served, over the last two seconds
    now = 5000;
    expect(meter.turnAway()).toBe(1); // quiet since: nothing served recently, one turned away
    expect(meter.turnAway(3)).toBe(3); // a bucket that needs 3 s to refill is the floor
    for (let i = 0; i < 1000; i++) meter.turnAway();
    expect(meter.turnAway()).toBe(30);
  });
});
