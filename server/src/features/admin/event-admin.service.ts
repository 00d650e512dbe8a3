import {
  type CreateEventRequest,
  type EventAvailabilityView,
  eventRuleIssues,
  type LocalRange,
  type SetAvailabilityRequest,
  type SetAvailabilityResponse,
  type SetSittingsRequest,
  type StaffMember,
  type TeacherAvailabilityView,
  type UpdateEventRequest,
} from '../../../../protocol/admin.ts';
import type { EventView } from '../../../../protocol/schemas.ts';
import type { DbClient, Queryable } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { requirePolicy } from '../booking/booking-policy.ts';
import { type Change, recordChanges } from '../booking/event-changes.ts';
import { type EventsService, eventSittings } from '../events/events.service.ts';
import { generateSlots, withinSittings } from '../events/slot-generation.ts';
import { type LiveWriteDeps, liveWrite, type Outbox } from '../live/live-write.ts';
import { eventInSchool, requireAdmin, type ScopedEvent, teacherInSchool } from './admin-scope.ts';
import { refusalOrRethrow } from './constraint-refusals.ts';
import { schoolDate, schoolInstant, schoolTime } from './local-times.ts';

export interface EventAdminDeps extends LiveWriteDeps {
  events: EventsService;
}

interface Idem {
  key: string | null;
}

export interface InstantRange {
  startsAt: Date;
  endsAt: Date;
}

/** A teacher's new windows and breaks as instants, before they replace the old ones. */
export interface AvailabilityPlan {
  event: ScopedEvent;
  teacherId: string;
  windows: InstantRange[];
  breaks: InstantRange[];
  /** The teacher's slot length now, and the one this change asks for. */
  slotMinutes: { current: number; wanted: number };
}

/**
 * What a change by someone other than an admin must stay within (a teacher's
 * own evening). Run inside the write's transaction; refuses by throwing a DomainError.
 */
export interface AvailabilityLimits {
  check(client: DbClient, plan: AvailabilityPlan): Promise<void>;
}

/** Setting an evening up: the event's rules, who sits when, and the slots cut from that. */
export class EventAdminService {
  constructor(private readonly deps: EventAdminDeps) {}

  async listStaff(p: Principal): Promise<StaffMember[]> {
    requireAdmin(p);
    const { rows } = await this.deps.db.query<{
      id: string;
      title: string;
      first_name: string;
      surname: string;
      email: string;
      is_admin: boolean;
      is_teacher: boolean;
      active: boolean;
    }>(
      `SELECT id, title, first_name, surname, email, is_admin, is_teacher, active
         FROM staff WHERE school_id = $1 ORDER BY surname, first_name, id`,
      [p.schoolId],
    );
    return rows.map((r) => ({
      id: r.id,
      displayName: staffDisplayName(r),
      title: r.title,
      firstName: r.first_name,
      surname: r.surname,
      email: r.email,
      isAdmin: r.is_admin,
      isTeacher: r.is_teacher,
      active: r.active,
    }));
  }

  async createEvent(p: Principal, input: CreateEventRequest, idem: Idem): Promise<Result<EventView>> {
    return liveWrite(this.deps, p, idem, 'createEvent', input, async (client) => {
      requireAdmin(p);
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO events (school_id, name, booking_opens_at, booking_closes_at, cancel_cutoff_at,
                             slot_minutes, gap_minutes, max_per_student, hold_seconds)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          p.schoolId,
          input.name,
          input.bookingOpensAt,
          input.bookingClosesAt,
          input.cancelCutoffAt ?? null,
          input.slotMinutes,
          input.gapMinutes,
          input.maxPerStudent,
          input.holdSeconds,
        ],
      );
      return this.deps.events.get(p, rows[0]!.id, client);
    });
  }

  async updateEvent(
    p: Principal,
    eventId: string,
    input: UpdateEventRequest,
    idem: Idem,
  ): Promise<Result<EventView>> {
    return liveWrite(this.deps, p, idem, 'updateEvent', { eventId, ...input }, async (client) => {
      requireAdmin(p);
      await eventInSchool(client, p, eventId, { forChange: true });
      const { rows } = await client.query<{
        booking_opens_at: Date;
        booking_closes_at: Date;
        cancel_cutoff_at: Date | null;
        gap_minutes: number;
      }>(
        'SELECT booking_opens_at, booking_closes_at, cancel_cutoff_at, gap_minutes FROM events WHERE id = $1 FOR UPDATE',
        [eventId],
      );
      const current = rows[0]!;
      const merged = {
        bookingOpensAt: input.bookingOpensAt ?? current.booking_opens_at.toISOString(),
        bookingClosesAt: input.bookingClosesAt ?? current.booking_closes_at.toISOString(),
        cancelCutoffAt:
          input.cancelCutoffAt === undefined
            ? (current.cancel_cutoff_at?.toISOString() ?? null)
            : input.cancelCutoffAt,
      };
      const issues = eventRuleIssues(merged);
      if (issues.length > 0) throw new DomainError('invalid_input', undefined, { issues });
      await client.query(
        `UPDATE events SET
           name = coalesce($2, name),
           booking_opens_at = $3, booking_closes_at = $4, cancel_cutoff_at = $5,
           slot_minutes = coalesce($6, slot_minutes),
           gap_minutes = coalesce($7, gap_minutes),
           max_per_student = coalesce($8, max_per_student),
           hold_seconds = coalesce($9, hold_seconds),
           availability_deadline_at = CASE WHEN $10 THEN $11::timestamptz ELSE availability_deadline_at END
         WHERE id = $1`,
        [
          eventId,
          input.name ?? null,
          merged.bookingOpensAt,
          merged.bookingClosesAt,
          merged.cancelCutoffAt,
          input.slotMinutes ?? null,
          input.gapMinutes ?? null,
          input.maxPerStudent ?? null,
          input.holdSeconds ?? null,
          input.availabilityDeadlineAt !== undefined,
          input.availabilityDeadlineAt ?? null,
        ],
      );
      if (input.gapMinutes !== undefined && input.gapMinutes !== current.gap_minutes) {
        // Each booking's guard range was widened by the gap when it was written. Touching
        // slot_id makes the trigger recompute it, and the gap constraint then refuses a new
        // gap that existing appointments of one family would break.
        try {
          await client.query(
            `UPDATE bookings SET slot_id = slot_id WHERE event_id = $1 AND status IN ('held', 'confirmed')`,
            [eventId],
          );
        } catch (err) {
          refusalOrRethrow(err);
        }
      }
      return this.deps.events.get(p, eventId, client);
    });
  }

  /**
   * Replaces an event's sittings and re-cuts every teacher's slots inside the
   * new ones. Refused, writing nothing, when held or booked appointments would lie outside
   * every sitting (they are listed: staff move those families first), or when two sittings
   * overlap.
   */
  async setSittings(
    p: Principal,
    eventId: string,
    input: SetSittingsRequest,
    idem: Idem,
  ): Promise<Result<EventView>> {
    return liveWrite(this.deps, p, idem, 'setSittings', { eventId, ...input }, async (client, out) => {
      requireAdmin(p);
      if (p.kind !== 'staff') throw new DomainError('forbidden');
      const event = await eventInSchool(client, p, eventId, { forChange: true });
      const tz = event.time_zone;
      const wanted = input.sittings
        .map((r, i) => ({
          i,
          label: r.label ?? '',
          startsAt: schoolInstant(r.date, r.from, tz, `sittings.${i}.from`),
          endsAt: schoolInstant(r.date, r.to, tz, `sittings.${i}.to`),
        }))
        .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      const local = (r: InstantRange) =>
        `${schoolDate(r.startsAt, tz)} ${schoolTime(r.startsAt, tz)}–${schoolTime(r.endsAt, tz)}`;
      const overlapping = wanted.filter((w, k) => k > 0 && w.startsAt < wanted[k - 1]!.endsAt);
      if (overlapping.length > 0)
        throw new DomainError('invalid_input', 'Two sittings of one event cannot overlap.', {
          issues: overlapping.map((w) => ({
            path: `sittings.${w.i}`,
            message: `Overlaps another sitting (${local(w)}).`,
          })),
        });

      // Locking the event's slots makes a concurrent hold wait (it takes FOR SHARE): it
      // then either finds its slot gone, or this write sees its booking and refuses.
      await client.query('SELECT id FROM slots WHERE event_id = $1 ORDER BY id FOR UPDATE', [eventId]);
      if (wanted.length > 0) {
        const { rows: booked } = await client.query<{
          id: string;
          starts_at: Date;
          ends_at: Date;
          title: string;
          first_name: string;
          surname: string;
        }>(
          `SELECT b.id, s.starts_at, s.ends_at, t.title, t.first_name, t.surname
             FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN staff t ON t.id = s.staff_id
            WHERE s.event_id = $1 AND booking_is_active(b.status, b.expires_at)
            ORDER BY s.starts_at, t.surname`,
          [eventId],
        );
        const outside = booked
          .map((b) => ({ ...b, startsAt: b.starts_at, endsAt: b.ends_at }))
          .filter((b) => withinSittings([b], wanted).length === 0);
        if (outside.length > 0)
          throw new DomainError(
            'bookings_in_the_way',
            `${outside.length} held or booked appointment${outside.length === 1 ? ' lies' : 's lie'} outside the new sittings (${outside.map(local).join(', ')}): move ${outside.length === 1 ? 'that family' : 'those families'} first, or keep the sitting.`,
            {
              issues: outside.map((b) => ({
                path: `bookings.${b.id}`,
                message: `${local(b)} with ${staffDisplayName(b)}`,
              })),
            },
          );
      }

      await client.query('DELETE FROM event_sittings WHERE event_id = $1', [eventId]);
      try {
        for (const w of wanted)
          await client.query(
            'INSERT INTO event_sittings (event_id, starts_at, ends_at, label) VALUES ($1, $2, $3, $4)',
            [eventId, w.startsAt, w.endsAt, w.label],
          );
      } catch (err) {
        refusalOrRethrow(err);
      }

      // Every teacher's slots are cut again from their windows, inside the new sittings:
      // slots outside them go (or are kept blocked for their history), new ones appear.
      const { rows: sitting } = await client.query<{ staff_id: string }>(
        'SELECT DISTINCT staff_id FROM availability WHERE event_id = $1 ORDER BY staff_id',
        [eventId],
      );
      for (const { staff_id } of sitting) {
        const { rows: av } = await client.query<{
          kind: 'window' | 'break';
          starts_at: Date;
          ends_at: Date;
          room: string;
        }>('SELECT kind, starts_at, ends_at, room FROM availability WHERE event_id = $1 AND staff_id = $2', [
          eventId,
          staff_id,
        ]);
        const of = (kind: 'window' | 'break') =>
          av.filter((r) => r.kind === kind).map((r) => ({ startsAt: r.starts_at, endsAt: r.ends_at }));
        await this.regenerate(
          client,
          out,
          p,
          eventId,
          staff_id,
          { room: av.find((r) => r.kind === 'window')?.room ?? '', windows: [], breaks: [] },
          undefined,
          { windows: of('window'), breaks: of('break') },
        );
      }
      return this.deps.events.get(p, eventId, client);
    });
  }

  async availability(p: Principal, eventId: string): Promise<EventAvailabilityView> {
    requireAdmin(p);
    const event = await eventInSchool(this.deps.db, p, eventId);
    const { rows } = await this.deps.db.query<{ staff_id: string }>(
      'SELECT DISTINCT staff_id FROM availability WHERE event_id = $1',
      [eventId],
    );
    const teachers: TeacherAvailabilityView[] = [];
    for (const r of rows)
      teachers.push(await this.teacherAvailability(this.deps.db, p, eventId, r.staff_id, event.time_zone));
    teachers.sort((a, b) => a.displayName.localeCompare(b.displayName));
    return { eventId, timeZone: event.time_zone, teachers };
  }

  /** One teacher's windows and breaks: for an admin, or for that teacher themself. */
  async oneTeacher(p: Principal, eventId: string, teacherId: string): Promise<TeacherAvailabilityView> {
    const event = await eventInSchool(this.deps.db, p, eventId);
    await teacherInSchool(this.deps.db, p, teacherId);
    return this.teacherAvailability(this.deps.db, p, eventId, teacherId, event.time_zone);
  }

  private async teacherAvailability(
    q: Queryable,
    p: Principal,
    eventId: string,
    staffId: string,
    timeZone: string,
  ): Promise<TeacherAvailabilityView> {
    const teacher = await teacherInSchool(q, p, staffId).catch(() => null);
    const { rows } = await q.query<{
      kind: 'window' | 'break';
      starts_at: Date;
      ends_at: Date;
      room: string;
    }>(
      `SELECT kind, starts_at, ends_at, room FROM availability
        WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at`,
      [eventId, staffId],
    );
    const local = (r: { starts_at: Date; ends_at: Date }) => ({
      date: schoolDate(r.starts_at, timeZone),
      from: schoolTime(r.starts_at, timeZone),
      to: schoolTime(r.ends_at, timeZone),
    });
    return {
      teacherId: staffId,
      displayName: teacher ? staffDisplayName(teacher) : '',
      room: rows.find((r) => r.kind === 'window')?.room ?? '',
      windows: rows.filter((r) => r.kind === 'window').map(local),
      breaks: rows.filter((r) => r.kind === 'break').map(local),
      slotMinutes: await teacherSlotMinutes(q, eventId, staffId),
    };
  }

  /**
   * Replaces a teacher's windows and breaks and regenerates their slots, live. Slots
   * anyone is in stay exactly as they are; slots with only ended bookings are kept
   * (blocked) where they no longer fit, since deleting them would erase booking
   * history; every other old slot goes, and the new plan fills the space around the kept ones.
   */
  async setAvailability(
    p: Principal,
    eventId: string,
    teacherId: string,
    input: SetAvailabilityRequest,
    idem: Idem,
    limits?: AvailabilityLimits,
  ): Promise<Result<SetAvailabilityResponse>> {
    return liveWrite(this.deps, p, idem, 'setAvailability', { eventId, teacherId, ...input }, (client, out) =>
      this.regenerate(client, out, p, eventId, teacherId, input, limits),
    );
  }

  private async regenerate(
    client: DbClient,
    out: Outbox,
    p: Principal,
    eventId: string,
    teacherId: string,
    input: SetAvailabilityRequest,
    limits: AvailabilityLimits | undefined,
    /** Windows and breaks already as instants (a re-cut after the sittings changed); else from `input`. */
    given?: { windows: InstantRange[]; breaks: InstantRange[] },
  ): Promise<SetAvailabilityResponse> {
    // Without limits only admins regenerate; with them the teacher themself may
    // (teacherInSchool below lets only an admin or that teacher through).
    if (!limits) requireAdmin(p);
    if (p.kind !== 'staff') throw new DomainError('forbidden');
    const event = await eventInSchool(client, p, eventId, { forChange: true });
    await teacherInSchool(client, p, teacherId);
    const room = input.room ?? '';
    const toInstants = (list: LocalRange[], field: string) =>
      list.map((r, i) => ({
        startsAt: schoolInstant(r.date, r.from, event.time_zone, `${field}.${i}.from`),
        endsAt: schoolInstant(r.date, r.to, event.time_zone, `${field}.${i}.to`),
      }));
    const windows = given?.windows ?? toInstants(input.windows, 'windows');
    const breaks = given?.breaks ?? toInstants(input.breaks ?? [], 'breaks');

    // Two admins regenerating the same teacher at once would each delete and insert
    // around the other; one goes after the other.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `availability:${eventId}:${teacherId}`,
    ]);
    // Locking the teacher's slots makes a concurrent hold wait (it takes FOR SHARE):
    // it then either sees its slot gone, or we see its booking and keep the slot.
    const { rows: existing } = await client.query<{
      id: string;
      starts_at: Date;
      ends_at: Date;
      room: string;
      blocked: boolean;
      live: boolean;
      history: boolean;
    }>(
      `SELECT s.id, s.starts_at, s.ends_at, s.room, s.blocked,
              EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                       AND booking_is_active(b.status, b.expires_at)) AS live,
              EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id) AS history
         FROM slots s WHERE s.event_id = $1 AND s.staff_id = $2
        ORDER BY s.starts_at FOR UPDATE OF s`,
      [eventId, teacherId],
    );
    // Checked after the lock and before the old availability is replaced, so a limit
    // sees exactly what this write changes and no concurrent write slips between.
    const slotMinutes = {
      current: await teacherSlotMinutes(client, eventId, teacherId),
      wanted: input.slotMinutes ?? 0,
    };
    slotMinutes.wanted ||= slotMinutes.current;
    if (limits) await limits.check(client, { event, teacherId, windows, breaks, slotMinutes });

    await client.query('DELETE FROM availability WHERE event_id = $1 AND staff_id = $2', [
      eventId,
      teacherId,
    ]);
    for (const [kind, list] of [
      ['window', windows],
      ['break', breaks],
    ] as const) {
      for (const w of list) {
        await client.query(
          `INSERT INTO availability (event_id, staff_id, kind, starts_at, ends_at, room) VALUES ($1, $2, $3, $4, $5, $6)`,
          [eventId, teacherId, kind, w.startsAt, w.endsAt, room],
        );
      }
    }

    // Slots are cut only inside the event's sittings, never between two of them.
    const planned = withinSittings(
      generateSlots(windows, breaks, slotMinutes.wanted),
      await eventSittings(client, eventId),
    );
    const key = (s: { startsAt: Date; endsAt: Date }) => `${s.startsAt.getTime()}-${s.endsAt.getTime()}`;
    const plannedKeys = new Set(planned.map(key));
    // A new slot length moves the appointments whose slot is not one of the new ones
    // (a window shrink alone keeps booked slots as they are, as before).
    const moves =
      slotMinutes.wanted === slotMinutes.current
        ? []
        : await this.plannedMoves(client, event, existing, planned, input.confirmMoves === true);
    if (slotMinutes.wanted !== slotMinutes.current)
      await client.query(
        `INSERT INTO teacher_slot_lengths (event_id, staff_id, slot_minutes) VALUES ($1, $2, $3)
         ON CONFLICT (event_id, staff_id) DO UPDATE SET slot_minutes = EXCLUDED.slot_minutes`,
        [eventId, teacherId, slotMinutes.wanted],
      );
    const moving = new Set(moves.map((m) => m.slotId));
    const remove: string[] = [];
    const block: string[] = [];
    const keptKeys = new Set<string>(moves.map((m) => key(m.to)));
    let kept = 0;
    for (const s of existing) {
      if (moving.has(s.id)) continue;
      const k = key({ startsAt: s.starts_at, endsAt: s.ends_at });
      if (plannedKeys.has(k) || s.live) {
        kept++;
        keptKeys.add(k);
      } else if (s.history) {
        kept++;
        if (!s.blocked) block.push(s.id);
      } else {
        remove.push(s.id);
      }
    }

    const actor = { kind: 'staff', id: p.staffId } as const;
    // The 'removed' facts carry the slot as it was, so they are recorded while it exists.
    if (remove.length > 0) {
      out.facts.push(
        ...(await recordChanges(
          client,
          eventId,
          actor,
          remove.map((slotId): Change => ({ action: 'removed', slotId })),
        )),
      );
      await client.query('DELETE FROM slots WHERE id = ANY($1::uuid[])', [remove]);
    }
    if (block.length > 0)
      await client.query('UPDATE slots SET blocked = true WHERE id = ANY($1::uuid[])', [block]);
    // The slots of appointments that move step out of the way first (to distinct minutes
    // in the year 9999, seen by nobody: this transaction retimes them before it commits),
    // so the new slots can be cut where they were.
    if (moves.length > 0)
      await client.query(
        `UPDATE slots s SET starts_at = '9999-01-01Z'::timestamptz + make_interval(mins => 2 * t.i::int),
                            ends_at = '9999-01-01Z'::timestamptz + make_interval(mins => 2 * t.i::int + 1)
           FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, i) WHERE s.id = t.id`,
        [moves.map((m) => m.slotId)],
      );
    // Kept slots take the (possibly new) room; screens hear of it like a resize.
    const { rows: moved } = await client.query<{ id: string }>(
      `UPDATE slots SET room = $3 WHERE event_id = $1 AND staff_id = $2 AND room <> $3 AND NOT blocked
         AND NOT (id = ANY($4::uuid[]))
       RETURNING id`,
      [eventId, teacherId, room, moves.map((m) => m.slotId)],
    );
    const fresh = planned.filter((s) => !keptKeys.has(key(s)));
    // ON CONFLICT DO NOTHING uses the teacher's no-overlap exclusion constraint as the
    // arbiter: new slots that would overlap a kept one are simply not created.
    const { rows: created } = await client.query<{ id: string }>(
      `INSERT INTO slots (event_id, staff_id, starts_at, ends_at, room)
       SELECT $1, $2, s, e, $3 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS t(s, e)
       ORDER BY s
       ON CONFLICT DO NOTHING RETURNING id`,
      [eventId, teacherId, room, fresh.map((s) => s.startsAt), fresh.map((s) => s.endsAt)],
    );
    // Each moving appointment's slot takes its new time, and the appointment passes the
    // booking door again as a staff change: touching slot_id makes the trigger recompute
    // its times, so the family's clash and gap constraints refuse what it could not keep,
    // and the whole change with it.
    for (const m of moves) {
      await client.query('UPDATE slots SET starts_at = $2, ends_at = $3, room = $4 WHERE id = $1', [
        m.slotId,
        m.to.startsAt,
        m.to.endsAt,
        room,
      ]);
      await requirePolicy(
        client,
        { schoolId: p.schoolId, override: 'staff' },
        { slotId: m.slotId, familyId: m.familyId, studentId: m.studentId, changing: m.bookingId },
      );
      try {
        await client.query('UPDATE bookings SET slot_id = slot_id WHERE id = $1', [m.bookingId]);
      } catch (err) {
        refusalOrRethrow(err);
      }
    }
    out.facts.push(
      ...(await recordChanges(client, eventId, actor, [
        ...block.map((slotId): Change => ({ action: 'blocked', slotId })),
        ...moved.map((r): Change => ({ action: 'resized', slotId: r.id })),
        ...moves.map(
          (m): Change => ({
            action: 'resized',
            slotId: m.slotId,
            bookingId: m.bookingId,
            familyId: m.familyId,
            studentId: m.studentId,
          }),
        ),
        ...created.map((r): Change => ({ action: 'added', slotId: r.id })),
      ])),
    );
    const { rows: v } = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::bigint AS version FROM slots WHERE event_id = $1',
      [eventId],
    );
    return {
      availability: await this.teacherAvailability(client, p, eventId, teacherId, event.time_zone),
      slots: {
        created: created.length,
        removed: remove.length,
        kept,
        blocked: block.length,
        moved: moves.length,
      },
      version: v[0]!.version,
    };
  }

  /**
   * Where a new slot length takes each held or booked appointment whose slot is not one
   * of the new ones: the new slot holding its old start, else the next free one (else
   * the last free one before). Without staff's confirmation it is refused, listing each
   * appointment and where it would go; with it, the moves are returned to be made.
   */
  private async plannedMoves(
    client: DbClient,
    event: ScopedEvent,
    existing: { id: string; starts_at: Date; ends_at: Date; live: boolean; history: boolean }[],
    planned: InstantRange[],
    confirmed: boolean,
  ): Promise<Move[]> {
    const key = (s: InstantRange) => `${s.startsAt.getTime()}-${s.endsAt.getTime()}`;
    const plannedKeys = new Set(planned.map(key));
    const range = (s: { starts_at: Date; ends_at: Date }) => ({ startsAt: s.starts_at, endsAt: s.ends_at });
    const misplaced = existing.filter((s) => s.live && !plannedKeys.has(key(range(s))));
    if (misplaced.length === 0) return [];
    // A new slot is taken if an appointment that stays, or a slot kept for its history,
    // already stands where it would go.
    const staying = existing.filter((s) => !misplaced.includes(s) && (s.live || s.history)).map(range);
    const overlaps = (a: InstantRange, b: InstantRange) => a.startsAt < b.endsAt && b.startsAt < a.endsAt;
    const free = planned.filter((n) => !staying.some((s) => overlaps(n, s)));
    const { rows: bookings } = await client.query<{
      id: string;
      slot_id: string;
      family_id: string;
      student_id: string;
    }>(
      `SELECT b.id, b.slot_id, b.family_id, b.student_id FROM bookings b
        WHERE b.slot_id = ANY($1::uuid[]) AND booking_is_active(b.status, b.expires_at)`,
      [misplaced.map((s) => s.id)],
    );
    const tz = event.time_zone;
    const local = (r: InstantRange) =>
      `${schoolDate(r.startsAt, tz)} ${schoolTime(r.startsAt, tz)}–${schoolTime(r.endsAt, tz)}`;
    const moves: Move[] = [];
    const nowhere: { bookingId: string; from: InstantRange }[] = [];
    for (const s of misplaced) {
      const b = bookings.find((x) => x.slot_id === s.id);
      if (!b) continue;
      const from = range(s);
      const open = free.filter((n) => !moves.some((m) => key(m.to) === key(n)));
      const to =
        open.find((n) => n.endsAt > from.startsAt) ??
        [...open].reverse().find((n) => n.endsAt <= from.startsAt);
      if (!to) nowhere.push({ bookingId: b.id, from });
      else
        moves.push({
          slotId: s.id,
          bookingId: b.id,
          familyId: b.family_id,
          studentId: b.student_id,
          from,
          to,
        });
    }
    if (nowhere.length > 0)
      throw new DomainError(
        'bookings_in_the_way',
        `The new slot length leaves no time for ${nowhere.length} booked appointment${nowhere.length === 1 ? '' : 's'} (${nowhere.map((n) => local(n.from)).join(', ')}): widen the windows or move ${nowhere.length === 1 ? 'that family' : 'those families'} first.`,
        { issues: nowhere.map((n) => ({ path: `bookings.${n.bookingId}`, message: local(n.from) })) },
      );
    if (!confirmed)
      throw new DomainError(
        'bookings_in_the_way',
        `The new slot length moves ${moves.length} held or booked appointment${moves.length === 1 ? '' : 's'}; the families are told by e-mail. Confirm to move ${moves.length === 1 ? 'it' : 'them'}.`,
        {
          issues: moves.map((m) => ({
            path: `bookings.${m.bookingId}`,
            message: `${local(m.from)} → ${schoolTime(m.to.startsAt, tz)}–${schoolTime(m.to.endsAt, tz)}`,
          })),
        },
      );
    return moves;
  }
}

/** An appointment a new slot length moves: its slot is retimed to `to`. */
interface Move {
  slotId: string;
  bookingId: string;
  familyId: string;
  studentId: string;
  from: InstantRange;
  to: InstantRange;
}

/** A teacher's slot length at an event: their own (migration 029) or the event's. */
export async function teacherSlotMinutes(q: Queryable, eventId: string, staffId: string): Promise<number> {
  const { rows } = await q.query<{ minutes: number }>(
    `SELECT coalesce(l.slot_minutes, e.slot_minutes) AS minutes
       FROM events e LEFT JOIN teacher_slot_lengths l ON l.event_id = e.id AND l.staff_id = $2
      WHERE e.id = $1`,
    [eventId, staffId],
  );
  return rows[0]?.minutes ?? 0;
}
