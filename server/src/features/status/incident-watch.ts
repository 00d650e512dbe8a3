import type { Component, ComponentState, Incident, ServiceStatus } from '../../../../protocol/status.ts';
import { STATUS_INCIDENTS } from '../../../../protocol/status.ts';
import type { Db } from '../../infra/db.ts';

/** How often each server looks at the parts of the service: an outage shorter than this may go unrecorded. */
export const INCIDENT_WATCH_MS = 3_000;

const COMPONENTS: Component[] = ['database', 'redis', 'workers', 'mail'];

/**
 * Records incidents: every few seconds the server reads the same report as
 * /status, and a component going down opens an incident, coming back up ends it. Only
 * `up` and `down` count: `unknown` (the workers while Redis is down, mail with nothing
 * sent lately) says nothing either way.
 *
 * The database may be the part that is down, so what is seen is kept here first and
 * written when it can be: an outage of the database itself is written, start and end,
 * once it is back. Several servers watch at once; the partial unique index of migration
 * 030 lets one open incident per component stand, and an end written by one closes it
 * for all.
 */
export class IncidentWatch {
  /** Component → when this server saw it go down (ms), while it is down. */
  private readonly down = new Map<Component, number>();
  /** Ends seen but not yet written (the database was away). */
  private readonly pending: { component: Component; startedAt: number; endedAt: number | null }[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly read: () => Promise<ServiceStatus>,
    private readonly logError: (err: unknown, context: string) => void,
    /** Told when a component is seen go down or come back. */
    private readonly onChange: (component: Component, state: 'up' | 'down') => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  start(everyMs = INCIDENT_WATCH_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One look; also called by tests. Never throws: a status watch must not take the server down. */
  tick(): Promise<void> {
    this.running ??= this.look()
      .catch((err) => this.logError(err, 'incident watch'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** Incidents this server saw and could not write yet (the database is down): /status shows them too. */
  unwritten(): Incident[] {
    const now = this.now();
    return this.pending.map((p) => toIncident(p.component, p.startedAt, p.endedAt, now));
  }

  private async look(): Promise<void> {
    const status = await this.read();
    const at = Date.parse(status.checkedAt);
    for (const c of COMPONENTS) {
      const state: ComponentState = status.components[c].state;
      const since = this.down.get(c);
      if (state === 'down' && since === undefined) {
        this.down.set(c, at);
        this.onChange(c, 'down');
        this.pending.push({ component: c, startedAt: at, endedAt: null });
      } else if (state === 'up' && since !== undefined) {
        this.down.delete(c);
        this.onChange(c, 'up');
        const open = this.pending.find((p) => p.component === c && p.endedAt === null);
        if (open) open.endedAt = at;
        else this.pending.push({ component: c, startedAt: since, endedAt: at });
      }
    }
    if (status.components.database.state === 'up') await this.flush();
  }

  /** Writes what was seen, oldest first; what fails stays for the next look. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const p = this.pending[0]!;
      const startedAt = new Date(p.startedAt);
      if (p.endedAt === null) {
        // Another server may have opened it already: that one stands.
        await this.db.query(
          `INSERT INTO service_incidents (component, started_at) VALUES ($1, $2)
           ON CONFLICT (component) WHERE ended_at IS NULL DO NOTHING`,
          [p.component, startedAt],
        );
        // Written open; its end is written by the update below when it comes.
        this.pending.shift();
        continue;
      }
      const endedAt = new Date(p.endedAt);
      const { rowCount } = await this.db.query(
        'UPDATE service_incidents SET ended_at = $2 WHERE component = $1 AND ended_at IS NULL AND started_at <= $2',
        [p.component, endedAt],
      );
      if (!rowCount) {
        // Never written open (the database was the part away), or another server ended it
        // already: write it whole unless that server's record covers it.
        await this.db.query(
          `INSERT INTO service_incidents (component, started_at, ended_at)
           SELECT $1, $2, $3
            WHERE NOT EXISTS (SELECT 1 FROM service_incidents
                               WHERE component = $1 AND started_at <= $3
                                 AND (ended_at IS NULL OR ended_at >= $2))`,
          [p.component, startedAt, endedAt],
        );
      }
      this.pending.shift();
    }
  }
}

export function toIncident(
  component: Component,
  startedAt: number,
  endedAt: number | null,
  now: number,
): Incident {
  return {
    component,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: endedAt === null ? null : new Date(endedAt).toISOString(),
    durationSeconds: Math.max(0, Math.floor(((endedAt ?? now) - startedAt) / 1000)),
  };
}

/** The last incidents, open ones first, then newest first. */
export async function recentIncidents(db: Db, now = Date.now()): Promise<Incident[]> {
  const { rows } = await db.query<{ component: Component; started_at: Date; ended_at: Date | null }>(
    `SELECT component, started_at, ended_at FROM service_incidents
      ORDER BY (ended_at IS NULL) DESC, started_at DESC LIMIT $1`,
    [STATUS_INCIDENTS],
  );
  return rows.map((r) =>
    toIncident(r.component, r.started_at.getTime(), r.ended_at ? r.ended_at.getTime() : null, now),
  );
}
