/** Collects samples (milliseconds) and answers percentiles; growth is amortised in a typed array. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    if (this.n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
    const sorted = this.data.slice(0, this.n).sort();
    const at = (q: number) => round(sorted[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!);
    return { count: this.n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[this.n - 1]!) };
  }
}

export interface LatencySummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
