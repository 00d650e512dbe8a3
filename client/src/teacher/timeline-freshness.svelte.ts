import type { EventLive } from '../lib/event-live.svelte.ts';
import type { LiveConnection } from '../lib/live-connection.svelte.ts';

/**
 * Whether a teacher's timeline is live or what it last heard (degraded
 * mode). The slots stay on screen when the connection is cut or the server refuses
 * the snapshot (PostgreSQL or Redis down): the timeline then says so, with the time
 * it last heard anything, rather than going blank. EventLive asks again by itself
 * and a new snapshot ends the pause. A page reloaded while the service is away starts
 * from the timeline the tab kept (kept-timeline.ts) and is paused until a snapshot.
 */
export class TimelineFreshness {
  /** When the last snapshot or fact arrived (ISO). */
  asOf = $state<string | null>(null);

  constructor(
    private readonly connection: Pick<LiveConnection, 'status'>,
    private readonly live: Pick<EventLive, 'error' | 'ready'>,
    /** The kept timeline the page started from (the service was away), or null. */
    readonly kept: { asOf: string } | null = null,
  ) {
    this.asOf = kept?.asOf ?? null;
  }

  /** Showing the kept timeline, cut off long enough to say "Offline", or the last snapshot was refused. */
  get paused(): boolean {
    if (!this.live.ready) return this.kept !== null;
    return this.connection.status === 'offline' || this.live.error !== null;
  }

  /** A snapshot or a fact arrived. */
  heard(now = Date.now()): void {
    this.asOf = new Date(now).toISOString();
  }
}
