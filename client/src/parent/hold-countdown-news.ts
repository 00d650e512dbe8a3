import type { BookingView } from '../../../protocol/schemas.ts';
import { m } from '../lib/i18n/messages.svelte.ts';

/** When a screen reader hears how long a hold has left: a few points, never every second. */
export const COUNTDOWN_POINTS_MS = [60_000, 30_000, 10_000] as const;

/**
 * Remembers, per hold, the point it was at last time it was looked at, and speaks when a
 * hold moves down past a point. The first look only records (the hold was just announced),
 * and a hold given more time moves up silently, to be announced at its next crossing.
 */
export class HoldCountdownNews {
  private readonly seen = new Map<string, number>();

  /** The sentence to announce now, if a hold has just reached one of the points. */
  next(holds: readonly BookingView[], now: number, label: (h: BookingView) => string): string | null {
    let news: string | null = null;
    const live = new Set<string>();
    for (const h of holds) {
      if (!h.expiresAt) continue;
      live.add(h.id);
      const left = Date.parse(h.expiresAt) - now;
      if (left <= 0) continue;
      // The smallest point not yet passed: 59 s left → the 60 s point.
      const point = [...COUNTDOWN_POINTS_MS].reverse().find((p) => left <= p) ?? Number.POSITIVE_INFINITY;
      const before = this.seen.get(h.id);
      this.seen.set(h.id, point);
      if (before !== undefined && point < before)
        news = m.tray_runs_out({ slot: label(h), count: point / 1000, button: m.tray_more_time() });
    }
    for (const id of this.seen.keys()) if (!live.has(id)) this.seen.delete(id);
    return news;
  }
}
