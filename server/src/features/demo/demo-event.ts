import { type Db, inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { eventSittings } from '../events/events.service.ts';
import { generateSlots, withinSittings } from '../events/slot-generation.ts';

// The demo seeder's own writers: an empty evening and its teachers' slots, before any
// family exists. Schools create events and set availability through the admin API
// (admin/event-admin.service.ts), which the booking door guards; nothing else uses these.

export interface NewEvent {
  schoolId: string;
  name: string;
  bookingOpensAt: Date;
  bookingClosesAt: Date;
  cancelCutoffAt?: Date | null;
  slotMinutes: number;
  gapMinutes: number;
  maxPerStudent: number;
  holdSeconds: number;
}

export interface TeacherAvailability {
  staffId: string;
  room: string;
  windows: { startsAt: Date; endsAt: Date }[];
  breaks: { startsAt: Date; endsAt: Date }[];
}

export async function createDemoEvent(db: Db, e: NewEvent): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO events (school_id, name, booking_opens_at, booking_closes_at, cancel_cutoff_at,
                           slot_minutes, gap_minutes, max_per_student, hold_seconds)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      e.schoolId,
      e.name,
      e.bookingOpensAt,
      e.bookingClosesAt,
      e.cancelCutoffAt ?? null,
      e.slotMinutes,
      e.gapMinutes,
      e.maxPerStudent,
      e.holdSeconds,
    ],
  );
  return rows[0]!.id;
}

/** Records a teacher's windows and breaks for an event and cuts them into slots. */
export async function addDemoAvailability(db: Db, eventId: string, a: TeacherAvailability): Promise<number> {
  return inTransaction(db, async (client) => {
    const { rows } = await client.query<{ slot_minutes: number }>(
      'SELECT slot_minutes FROM events WHERE id = $1',
      [eventId],
    );
    if (!rows[0]) throw new DomainError('not_found', 'This event does not exist.');
    for (const [kind, list] of [
      ['window', a.windows],
      ['break', a.breaks],
    ] as const) {
      for (const w of list) {
        await client.query(
          `INSERT INTO availability (event_id, staff_id, kind, starts_at, ends_at, room) VALUES ($1, $2, $3, $4, $5, $6)`,
          [eventId, a.staffId, kind, w.startsAt, w.endsAt, a.room],
        );
      }
    }
    const slots = withinSittings(
      generateSlots(a.windows, a.breaks, rows[0].slot_minutes),
      await eventSittings(client, eventId),
    );
    await client.query(
      `INSERT INTO slots (event_id, staff_id, starts_at, ends_at, room)
         SELECT $1, $2, s, e, $3 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS t(s, e)`,
      [eventId, a.staffId, a.room, slots.map((s) => s.startsAt), slots.map((s) => s.endsAt)],
    );
    return slots.length;
  });
}
