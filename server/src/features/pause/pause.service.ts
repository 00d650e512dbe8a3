import type {
  EventPauseView,
  OperatorPauseOverview,
  PauseRequest,
  ServicePauseView,
} from '../../../../protocol/pause.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { eventInSchool, requireAdmin } from '../admin/admin-scope.ts';
import type { Principal } from '../auth/principal.ts';
import type { Broadcaster } from '../live/publisher.ts';
import { effectivePause, ownPause } from './pause-state.ts';

/**
 * Pausing and resuming booking. The pause itself is a row the booking
 * policy reads (migration 024); this service writes it and tells every screen of the
 * affected events, whose parent pages show the message.
 */
export class PauseService {
  constructor(
    private readonly db: Db,
    private readonly live: Broadcaster,
    private readonly logError: (err: unknown, context: string) => void,
  ) {}

  /** An admin pauses one event of their school (an archived event refuses: it no longer changes). */
  async pauseEvent(p: Principal, eventId: string, body: PauseRequest): Promise<EventPauseView> {
    requireAdmin(p);
    await eventInSchool(this.db, p, eventId, { forChange: true });
    await this.db.query('UPDATE events SET paused_at = now(), paused_message = $2 WHERE id = $1', [
      eventId,
      body.message,
    ]);
    return this.told(eventId);
  }

  /** Resumes the event's own pause; an operator's pause, if any, still holds. */
  async resumeEvent(p: Principal, eventId: string): Promise<EventPauseView> {
    requireAdmin(p);
    await eventInSchool(this.db, p, eventId);
    const { rowCount } = await this.db.query(
      'UPDATE events SET paused_at = NULL, paused_message = NULL WHERE id = $1 AND paused_at IS NOT NULL',
      [eventId],
    );
    // Nothing to resume: refused, so the record of transactions holds only real changes.
    if (!rowCount) throw new DomainError('not_found', 'Booking for this event is not paused.');
    return this.told(eventId);
  }

  async eventPause(p: Principal, eventId: string): Promise<EventPauseView> {
    requireAdmin(p);
    await eventInSchool(this.db, p, eventId);
    return this.view(eventId);
  }

  /** The operator pauses every event of every school (a new message replaces the last). */
  async pauseService(body: PauseRequest): Promise<ServicePauseView> {
    await this.db.query(
      `INSERT INTO service_pause (message) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET message = EXCLUDED.message, paused_at = now()`,
      [body.message],
    );
    return this.toldEveryEvent();
  }

  /** The operator resumes: events an admin paused stay paused. */
  async resumeService(): Promise<ServicePauseView> {
    const { rowCount } = await this.db.query('DELETE FROM service_pause');
    if (!rowCount) throw new DomainError('not_found', 'Booking is not paused by the operator.');
    return this.toldEveryEvent();
  }

  /** The operator's view: their pause of everything and every event of every school not archived. */
  async operatorOverview(): Promise<OperatorPauseOverview> {
    const { rows: service } = await this.db.query<{ message: string; since: Date }>(
      'SELECT message, paused_at AS since FROM service_pause',
    );
    const { rows } = await this.db.query<{
      id: string;
      name: string;
      school_id: string;
      school_name: string;
      booking_opens_at: Date;
      booking_closes_at: Date;
      paused_at: Date | null;
      paused_message: string | null;
    }>(
      `SELECT e.id, e.name, e.school_id, s.name AS school_name, e.booking_opens_at, e.booking_closes_at,
              e.paused_at, e.paused_message
         FROM events e JOIN schools s ON s.id = e.school_id
        WHERE e.archived_at IS NULL
        ORDER BY s.name, e.booking_opens_at, e.id`,
    );
    const s = service[0];
    return {
      paused: s ? { message: s.message, since: s.since.toISOString(), by: 'operator' } : null,
      events: rows.map((r) => ({
        eventId: r.id,
        eventName: r.name,
        schoolId: r.school_id,
        schoolName: r.school_name,
        bookingOpensAt: r.booking_opens_at.toISOString(),
        bookingClosesAt: r.booking_closes_at.toISOString(),
        own:
          r.paused_at && r.paused_message !== null
            ? { message: r.paused_message, since: r.paused_at.toISOString(), by: 'school' }
            : null,
      })),
    };
  }

  /**
   * The operator pauses one event of any school: the event's own pause, as its admin's
   * would be (the admin sees it and may resume it). Archived or unknown: 404.
   */
  async operatorPauseEvent(eventId: string, body: PauseRequest): Promise<EventPauseView> {
    const { rowCount } = await this.db.query(
      'UPDATE events SET paused_at = now(), paused_message = $2 WHERE id = $1 AND archived_at IS NULL',
      [eventId, body.message],
    );
    if (!rowCount) throw new DomainError('not_found', 'There is no such event taking bookings.');
    return this.told(eventId);
  }

  async operatorResumeEvent(eventId: string): Promise<EventPauseView> {
    const { rowCount } = await this.db.query(
      'UPDATE events SET paused_at = NULL, paused_message = NULL WHERE id = $1 AND paused_at IS NOT NULL',
      [eventId],
    );
    if (!rowCount) throw new DomainError('not_found', 'Booking for this event is not paused.');
    return this.told(eventId);
  }

  /** The event's pause as it stands, for the record (null when the event is unknown). */
  async ownPauseOf(eventId: string): Promise<EventPauseView['own']> {
    return ownPause(this.db, eventId);
  }

  private async view(eventId: string): Promise<EventPauseView> {
    return {
      eventId,
      own: await ownPause(this.db, eventId),
      effective: await effectivePause(this.db, eventId),
    };
  }

  /** After the change committed: the screens of the event hear what families now see. */
  private async told(eventId: string): Promise<EventPauseView> {
    const view = await this.view(eventId);
    this.announce(eventId, view.effective);
    return view;
  }

  private async toldEveryEvent(): Promise<ServicePauseView> {
    // Archived events take no bookings and have no live screens to tell.
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM events WHERE archived_at IS NULL');
    for (const { id } of rows) this.announce(id, await effectivePause(this.db, id));
    const { rows: service } = await this.db.query<{ message: string; since: Date }>(
      'SELECT message, paused_at AS since FROM service_pause',
    );
    const s = service[0];
    return {
      paused: s ? { message: s.message, since: s.since.toISOString(), by: 'operator' } : null,
      eventsTold: rows.length,
    };
  }

  private announce(eventId: string, paused: EventPauseView['effective']): void {
    // A lost announcement is not a wrong booking: the policy refuses regardless, and
    // the next snapshot (every reconnect and resync) carries the state.
    try {
      this.live.to(rooms.event(eventId)).emit('event:paused', { eventId, paused });
    } catch (err) {
      this.logError(err, 'announce pause');
    }
  }
}
