import type { Queryable } from '../../infra/db.ts';

/**
 * The school of each event, read once per instance: an event never moves to another
 * school, so the answer never goes stale. On opening night every parent's screen
 * joins the same few events; the tenancy check before a join is then a map lookup,
 * not a query per join. Live delivery reads the same map to drop any fact whose
 * school is not its socket's (live-delivery.ts).
 */
export class EventSchools {
  private readonly known = new Map<string, string>();
  private readonly loading = new Map<string, Promise<string | null>>();

  constructor(
    private readonly db: Queryable,
    /** Bounded: made-up ids are never remembered, but a school group has many real events. */
    private readonly maxEntries = 50_000,
  ) {}

  /** The event's school, or null when there is no such event. */
  async of(eventId: string): Promise<string | null> {
    const school = this.known.get(eventId);
    if (school) return school;
    // One query for everyone asking at once (the joins of a reconnect storm).
    let pending = this.loading.get(eventId);
    if (!pending) {
      pending = this.db
        .query<{ school_id: string }>('SELECT school_id FROM events WHERE id = $1', [eventId])
        .then((r) => {
          const found = r.rows[0]?.school_id ?? null;
          if (found) {
            if (this.known.size >= this.maxEntries) this.known.clear();
            this.known.set(eventId, found);
          }
          return found;
        })
        .finally(() => this.loading.delete(eventId));
      this.loading.set(eventId, pending);
    }
    return pending;
  }

  /** The school if this instance has read it already (no query: live delivery is synchronous). */
  knownSchool(eventId: string): string | undefined {
    return this.known.get(eventId);
  }
}
