/**
 * A shared, coarse clock for countdowns and lapsed holds. One timer for the page
 * rather than one per cell; only cells that read `now` re-render when it ticks.
 */
export class Clock {
  now = $state(Date.now());
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly tickMs = 1000) {}

  start(): void {
    if (this.timer) return;
    this.now = Date.now();
    this.timer = setInterval(() => {
      this.now = Date.now();
    }, this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
