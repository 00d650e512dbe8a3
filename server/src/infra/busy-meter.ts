/**
 * How many booking writes this instance served and turned away in the last second
 * or two, for an honest Retry-After. A flat "retry in 1 s" brings the whole crowd
 * back every second, and answering it "busy" again is work taken from the writes
 * being served. When T are turned away for every S served per second, a refused
 * client that waits about T/S seconds (the client adds jitter) spreads the
 * returning crowd over the time it takes to serve it.
 */
export class BusyMeter {
  private served = 0;
  private turnedAway = 0;
  private lastServed = 0;
  private lastTurnedAway = 0;
  private since: number;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly maxSeconds = 30,
  ) {
    this.since = clock();
  }

  private roll(): void {
    const elapsed = this.clock() - this.since;
    if (elapsed < 1000) return;
    // The second before this one counts too, unless it was longer ago than that.
    this.lastServed = elapsed < 2000 ? this.served : 0;
    this.lastTurnedAway = elapsed < 2000 ? this.turnedAway : 0;
    this.served = 0;
    this.turnedAway = 0;
    this.since = this.clock();
  }

  serve(): void {
    this.roll();
    this.served++;
  }

  /** Counts a refusal and answers the seconds to wait before retrying (at least `floor`). */
  turnAway(floor = 1): number {
    this.roll();
    this.turnedAway++;
    const served = Math.max(1, this.served + this.lastServed);
    const wait = Math.ceil((this.turnedAway + this.lastTurnedAway) / served);
    return Math.min(this.maxSeconds, Math.max(floor, wait));
  }
}
