import type { EventConsole, SlotCounts } from '../../../../protocol/admin.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import type { Db } from '../../infra/db.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { eventInSchool, requireAdmin } from './admin-scope.ts';

/** The part of the Socket.IO server the console needs: who is in a room, on every instance. */
export interface SocketCensus {
  in(room: string | string[]): {
    fetchSockets(): Promise<{ id: string; data: { principalKind?: 'family' | 'staff' | 'interpreter' } }[]>;
  };
}

const empty = (): SlotCounts => ({ booked: 0, held: 0, free: 0, blocked: 0, total: 0 });

/** The admin console's figures: how full the evening is, and how many screens watch it. */
export class ConsoleService {
  constructor(private readonly deps: { db: Db; io: SocketCensus }) {}

  async console(p: Principal, eventId: string): Promise<EventConsole> {
    requireAdmin(p);
    await eventInSchool(this.deps.db, p, eventId);
    // Same states as the grid: a lapsed hold is free even before its expiry job runs.
    const { rows } = await this.deps.db.query<{
      staff_id: string;
      title: string;
      first_name: string;
      surname: string;
      room: string;
      state: keyof Omit<SlotCounts, 'total'>;
      n: number;
      version: number;
    }>(
      `SELECT s.staff_id, t.title, t.first_name, t.surname, min(s.room) AS room, max(s.version) AS version,
              CASE WHEN b.status = 'confirmed' THEN 'booked'
                   WHEN b.status = 'held' THEN 'held'
                   WHEN s.blocked THEN 'blocked' ELSE 'free' END AS state,
              count(*)::int AS n
         FROM slots s
         JOIN staff t ON t.id = s.staff_id
         LEFT JOIN bookings b ON b.slot_id = s.id
              AND booking_is_active(b.status, b.expires_at)
        WHERE s.event_id = $1
        GROUP BY s.staff_id, t.title, t.first_name, t.surname, 7
        ORDER BY t.surname, t.first_name, s.staff_id`,
      [eventId],
    );
    const counts = empty();
    const teachers = new Map<string, EventConsole['teachers'][number]>();
    for (const r of rows) {
      let t = teachers.get(r.staff_id);
      if (!t) {
        t = { teacherId: r.staff_id, displayName: staffDisplayName(r), room: r.room, counts: empty() };
        teachers.set(r.staff_id, t);
      }
      t.counts[r.state] += r.n;
      t.counts.total += r.n;
      counts[r.state] += r.n;
      counts.total += r.n;
    }
    // The newest change the counts reflect.
    const version = rows.reduce((v, r) => Math.max(v, r.version), 0);
    return {
      eventId,
      version,
      counts,
      teachers: [...teachers.values()],
      connected: await this.connected(eventId, [...teachers.keys()]),
    };
  }

  /**
   * Sockets watching the event, across every instance (the Redis adapter asks the
   * others): families sit in the event's per-teacher rooms, admins in its admin room,
   * and the evening's teachers in their own rooms. A socket in several rooms counts
   * once. Only counts leave here, no identities.
   */
  private async connected(eventId: string, teacherIds: string[]): Promise<EventConsole['connected']> {
    const watched = [
      rooms.eventAdmins(eventId),
      ...teacherIds.flatMap((t) => [rooms.eventTeacher(eventId, t), rooms.teacher(t)]),
    ];
    const sockets = await this.deps.io.in(watched).fetchSockets();
    const unique = new Map(sockets.map((s) => [s.id, s.data.principalKind]));
    let families = 0;
    let staff = 0;
    for (const kind of unique.values()) {
      if (kind === 'family') families++;
      else if (kind === 'staff') staff++;
    }
    return { families, staff, sockets: unique.size };
  }
}
