/**
 * Back-off for the SMTP server as a whole, not per message. When the relay cannot be
 * reached at all (connection refused, time-out, DNS, a 421 "closing"), every queued
 * mail would fail the same way: each used to spend one of its attempts and come back
 * on its own exponential schedule, so a thousand confirmations meant a thousand
 * connection attempts, again and again, while the server was away. Instead the
 * e-mail worker stops taking mail for a while (BullMQ's rate limit: the job goes
 * back to the wait list without spending an attempt) and tries one again after
 * `baseMs`, doubling up to `maxMs` while it still fails; the first success resets it.
 * A refusal of one message (a 4xx/5xx answer to it) is the message's own: it spends
 * an attempt and backs off per message, as before.
 */
const UNREACHABLE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

export function smtpUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.responseCode === 421) return true;
  return typeof e.code === 'string' && UNREACHABLE.has(e.code);
}

export class SmtpBackoff {
  private failures = 0;
  private until = 0;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The wait before the next try after a failure to reach the server (jittered ±20%).
   * Mails already in flight when the server went away fail together: they count as
   * one failure and share the wait, which doubles only once per episode.
   */
  failed(now = Date.now()): number {
    if (now < this.until) return this.until - now;
    this.failures++;
    const wait = Math.min(this.maxMs, this.baseMs * 2 ** (this.failures - 1));
    const jittered = Math.max(1, Math.round(wait * (0.8 + 0.4 * this.random())));
    this.until = now + jittered;
    return jittered;
  }

  succeeded(): void {
    this.failures = 0;
    this.until = 0;
  }
}
