import type { Ack } from '../../../protocol/errors.ts';

/**
 * A read asked again after live facts, once their burst has settled, of which only the
 * newest answer counts: facts come in bursts (a rush of bookings), and an answer to an
 * older question (before a snapshot or one's own change) must not overwrite a newer state.
 */
export class SettledRead<T> {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;

  constructor(
    private readonly read: () => Promise<Ack<T>>,
    private readonly apply: (data: T) => void,
    private readonly debounceMs: number,
  ) {}

  /** Reads once no call has come for `debounceMs` since the first. */
  soon(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.now();
    }, this.debounceMs);
  }

  /** Reads now; a failed read keeps what the screen had (the service away), and the next asks again. */
  async now(): Promise<void> {
    const asked = ++this.generation;
    const res = await this.read();
    if (!res.ok || asked !== this.generation) return;
    this.apply(res.data);
  }

  /** Something newer than any answer on its way is known: that answer is dropped. */
  supersede(): void {
    this.generation++;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.supersede();
  }
}
