import { DateTime } from 'luxon';
import type { z } from 'zod';
import type {
  AbsenceRequest,
  AbsenceView,
  ExpectedTimes,
  RunningLateRequest,
  RunningLateView,
} from '../../../../protocol/fairness.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import { inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { slotsPolicyAllows } from '../booking/booking-policy.ts';
import { type Change, type Fact, recordChanges } from '../booking/event-changes.ts';
import { requireSchoolEvent } from '../fair-start/event-scope.ts';
import { afterCommit, type FairnessContext, tell } from '../fair-start/fairness-context.ts';
import type { NewOffer, OffersService } from '../waiting-list/offers.service.ts';
import { fittingSlots } from '../waiting-list/slot-fit.ts';

type Absence = z.infer<typeof AbsenceView>;

/** The night itself: a teacher running late, a teacher absent (with or without cover). */
export class OnTheNightService {
  constructor(
    private readonly ctx: FairnessContext,
    private readonly offers: OffersService,
  ) {}

  private async eventOf(p: Principal, eventId: string, teacherId: string) {
    const { rows } = await this.ctx.db.query<{
      school_id: string;
      time_zone: string;
      archived: boolean;
      teacher_ok: boolean;
      first_start: Date | null;
      last_end: Date | null;
      offer_minutes: number;
    }>(
      `SELECT e.school_id, sc.time_zone, e.offer_minutes, e.archived_at IS NOT NULL AS archived,
              EXISTS (SELECT 1 FROM staff t WHERE t.id = $2 AND t.school_id = e.school_id) AS teacher_ok,
              (SELECT min(starts_at) FROM slots WHERE event_id = e.id AND staff_id = $2) AS first_start,
              (SELECT max(ends_at) FROM slots WHERE event_id = e.id AND staff_id = $2) AS last_end
         FROM events e JOIN schools sc ON sc.id = e.school_id WHERE e.id = $1`,
      [eventId, teacherId],
    );
    const e = rows[0];
    if (!e || e.school_id !== p.schoolId || !e.teacher_ok)
      throw new DomainError('not_found', 'No such event or teacher.');
    return e;
  }

  /** A teacher (for themself) or an admin marks "running N minutes late"; 0 clears it. */
  async runningLate(
    p: Principal,
    eventId: string,
    teacherId: string,
    input: z.infer<typeof RunningLateRequest>,
  ): Promise<z.infer<typeof RunningLateView>> {
    if (p.kind !== 'staff' || !(p.isAdmin || p.staffId === teacherId)) throw new DomainError('forbidden');
    const e = await this.eventOf(p, eventId, teacherId);
    // Without an end named, the delay lasts to the end of the teacher's evening
    // (plus the delay): it clears itself by its expiry, and a job tells the screens.
    const clearsAt = input.until
      ? new Date(input.until)
      : new Date((e.last_end?.getTime() ?? Date.now()) + input.minutes * 60_000);
    if (clearsAt.getTime() <= Date.now())
      throw new DomainError('invalid_input', 'The delay must last into the future.');
    await this.ctx.db.query(
      `INSERT INTO teacher_delays (event_id, staff_id, minutes, set_by, clears_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_id, staff_id) DO UPDATE
         SET minutes = EXCLUDED.minutes, set_by = EXCLUDED.set_by, set_at = now(), clears_at = EXCLUDED.clears_at`,
      [eventId, teacherId, input.minutes, p.staffId, clearsAt],
    );
    const affected = await this.announceDelay(eventId, teacherId, input.minutes, clearsAt, e.time_zone, true);
    if (input.minutes > 0)
      afterCommit(
        this.ctx,
        'schedule delay clear',
        this.ctx.jobs.at(
          { kind: 'delay-clear', eventId, teacherId, clearsAt: clearsAt.toISOString() },
          clearsAt,
        ),
      );
    return { eventId, teacherId, minutes: input.minutes, clearsAt: clearsAt.toISOString(), affected };
  }

  /** The delay-clear job: ends a delay whose time is up and tells the screens. Idempotent. */
  async clearDelay(eventId: string, teacherId: string, clearsAt: string): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ time_zone: string }>(
      `DELETE FROM teacher_delays d USING events e JOIN schools sc ON sc.id = e.school_id
        WHERE d.event_id = $1 AND d.staff_id = $2 AND d.clears_at = $3 AND d.clears_at <= now() + interval '1 second'
          AND e.id = d.event_id
        RETURNING sc.time_zone`,
      [eventId, teacherId, clearsAt],
    );
    if (!rows[0]) return false;
    await this.announceDelay(eventId, teacherId, 0, new Date(), rows[0].time_zone, false);
    return true;
  }

  /** Tells each family with a coming meeting of the teacher its new expected times (live and by mail). */
  private async announceDelay(
    eventId: string,
    teacherId: string,
    minutes: number,
    clearsAt: Date,
    zone: string,
    mail: boolean,
  ): Promise<number> {
    const { rows } = await this.ctx.db.query<{
      id: string;
      family_id: string;
      starts_at: Date;
      name: string;
    }>(
      `SELECT b.id, b.family_id, b.starts_at, trim(t.title || ' ' || t.surname) AS name
         FROM bookings b JOIN staff t ON t.id = b.staff_id
        WHERE b.event_id = $1 AND b.staff_id = $2 AND b.status = 'confirmed' AND b.ends_at > now()
        ORDER BY b.starts_at`,
      [eventId, teacherId],
    );
    const byFamily = new Map<string, typeof rows>();
    for (const r of rows) byFamily.set(r.family_id, [...(byFamily.get(r.family_id) ?? []), r]);
    const payload = (list: typeof rows) => ({
      eventId,
      teacherId,
      minutes,
      clearsAt: clearsAt.toISOString(),
      meetings: list.map((b) => ({
        bookingId: b.id,
        startsAt: b.starts_at.toISOString(),
        expectedAt: new Date(b.starts_at.getTime() + minutes * 60_000).toISOString(),
      })),
    });
    for (const [familyId, list] of byFamily) {
      tell(this.ctx, rooms.family(familyId), 'teacher:running-late', payload(list));
      if (mail && this.ctx.mail && minutes > 0) {
        const local = (d: Date) => DateTime.fromJSDate(d).setZone(zone).toFormat('HH:mm');
        const lines = list.map(
          (b) =>
            `Your ${local(b.starts_at)} appointment is now expected at ${local(new Date(b.starts_at.getTime() + minutes * 60_000))}.`,
        );
        afterCommit(
          this.ctx,
          'running late mail',
          this.ctx.mail([
            {
              kind: 'family-notice',
              eventId,
              familyId,
              noticeId: `late-${teacherId}-${minutes}-${clearsAt.getTime()}`,
              subject: `${list[0]!.name} is running ${minutes} minutes late`,
              body: `${list[0]!.name} is running about ${minutes} minutes late.\n\n${lines.join('\n')}`,
            },
          ]),
        );
      }
    }
    tell(
      this.ctx,
      [rooms.teacher(teacherId), rooms.eventAdmins(eventId)],
      'teacher:running-late',
      payload(rows),
    );
    return byFamily.size;
  }

  /** A family's confirmed meetings with the times they are now expected to start. */
  async expected(p: Principal, eventId: string): Promise<z.infer<typeof ExpectedTimes>> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    await requireSchoolEvent(this.ctx.db, p, eventId);
    const { rows } = await this.ctx.db.query<{
      id: string;
      staff_id: string;
      starts_at: Date;
      minutes: number;
    }>(
      `SELECT b.id, b.staff_id, b.starts_at, coalesce(d.minutes, 0) AS minutes
         FROM bookings b JOIN events e ON e.id = b.event_id
         LEFT JOIN teacher_delays d ON d.event_id = b.event_id AND d.staff_id = b.staff_id AND d.clears_at > now()
        WHERE b.family_id = $1 AND b.event_id = $2 AND e.school_id = $3 AND b.status = 'confirmed'
        ORDER BY b.starts_at`,
      [p.familyId, eventId, p.schoolId],
    );
    return {
      eventId,
      meetings: rows.map((r) => ({
        bookingId: r.id,
        teacherId: r.staff_id,
        startsAt: r.starts_at.toISOString(),
        expectedAt: new Date(r.starts_at.getTime() + r.minutes * 60_000).toISOString(),
        delayMinutes: r.minutes,
      })),
    };
  }

  /**
   * An admin marks a teacher absent (all evening or part of it): the teacher's
   * appointments in that time are cancelled and the free slots blocked, in one
   * transaction with the log; each family is told live and by e-mail. With a cover
   * teacher named, each family is offered the cover's free slot that fits it,
   * nearest the old time (accept or decline).
   */
  async absent(
    p: Principal,
    eventId: string,
    teacherId: string,
    input: z.infer<typeof AbsenceRequest>,
  ): Promise<Absence> {
    if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
    const e = await this.eventOf(p, eventId, teacherId);
    // An absence cancels and offers bookings: the door's rule holds for staff too, an
    // archived event never changes.
    if (e.archived)
      throw new DomainError('window_closed', 'This event is archived and can no longer change.');
    if (input.coverTeacherId) await this.eventOf(p, eventId, input.coverTeacherId);
    if (input.coverTeacherId === teacherId)
      throw new DomainError('invalid_input', 'A teacher cannot cover themself.');
    const from = input.from ? new Date(input.from) : (e.first_start ?? new Date());
    const to = input.to ? new Date(input.to) : (e.last_end ?? new Date(from.getTime() + 60_000));
    if (to <= from) throw new DomainError('invalid_input', 'The absence must end after it starts.');
    let facts: Fact[] = [];
    const cancelled: { id: string; family_id: string; student_id: string; starts_at: Date }[] = [];
    let offerIds: string[] = [];
    const absenceId = await inTransaction(this.ctx.db, async (client) => {
      const { rows: hit } = await client.query<{
        id: string;
        slot_id: string;
        family_id: string;
        student_id: string;
        starts_at: Date;
      }>(
        `UPDATE bookings SET status = 'cancelled', ended_at = now()
          WHERE event_id = $1 AND staff_id = $2 AND status IN ('held', 'confirmed')
            AND starts_at < $4 AND ends_at > $3
          RETURNING id, slot_id, family_id, student_id, starts_at`,
        [eventId, teacherId, from, to],
      );
      const { rows: blocked } = await client.query<{ id: string }>(
        `UPDATE slots SET blocked = true
          WHERE event_id = $1 AND staff_id = $2 AND NOT blocked AND starts_at < $4 AND ends_at > $3
          RETURNING id`,
        [eventId, teacherId, from, to],
      );
      const { rows: ins } = await client.query<{ id: string }>(
        `INSERT INTO teacher_absences (event_id, staff_id, starts_at, ends_at, cover_staff_id, marked_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [eventId, teacherId, from, to, input.coverTeacherId ?? null, p.staffId],
      );
      cancelled.push(...hit);
      if (input.coverTeacherId) {
        const proposed = new Set<string>();
        const offers: NewOffer[] = [];
        for (const b of [...hit].sort((x, y) => x.starts_at.getTime() - y.starts_at.getTime())) {
          // An offer is a booking in waiting: only slots the door would let its
          // acceptance have (the override 'cover_offer': tenancy, a blocked slot and the
          // cap still apply, the cancelled booking not counted).
          const fits = await slotsPolicyAllows(
            client,
            { schoolId: p.schoolId, override: 'cover_offer' },
            { familyId: b.family_id, studentId: b.student_id, changing: b.id },
            await fittingSlots(client, {
              eventId,
              teacherId: input.coverTeacherId,
              familyId: b.family_id,
              studentId: b.student_id,
              near: b.starts_at,
            }),
          );
          // Different families get different slots where possible; acceptances still race to the constraints.
          const slotId = fits.find((s) => !proposed.has(s)) ?? fits[0];
          if (!slotId) continue;
          proposed.add(slotId);
          offers.push({
            kind: 'cover',
            slotId,
            familyId: b.family_id,
            studentId: b.student_id,
            replacesBookingId: b.id,
            expiresAt: new Date(Date.now() + e.offer_minutes * 60_000),
          });
        }
        offerIds = await this.offers.create(client, eventId, offers);
      }
      const changes: Change[] = [
        ...hit.map(
          (b): Change => ({
            action: 'cancelled',
            slotId: b.slot_id,
            bookingId: b.id,
            familyId: b.family_id,
            studentId: b.student_id,
          }),
        ),
        ...blocked.map((s): Change => ({ action: 'blocked', slotId: s.id })),
      ];
      facts = await recordChanges(client, eventId, { kind: 'staff', id: p.staffId }, changes);
      return ins[0]!.id;
    });
    this.ctx.publisher.publish(facts);
    const byFamily = new Map<string, string[]>();
    for (const b of cancelled) byFamily.set(b.family_id, [...(byFamily.get(b.family_id) ?? []), b.id]);
    for (const [familyId, ids] of byFamily) {
      tell(this.ctx, rooms.family(familyId), 'teacher:absent', {
        eventId,
        teacherId,
        cancelledBookingIds: ids,
        coverTeacherId: input.coverTeacherId ?? null,
        message: input.coverTeacherId
          ? 'This teacher cannot attend. Your appointment is cancelled; you are offered a time with the cover teacher.'
          : 'This teacher cannot attend. Your appointment is cancelled; please contact the school.',
      });
    }
    if (offerIds.length) await this.offers.announce(offerIds);
    return {
      id: absenceId,
      eventId,
      teacherId,
      from: from.toISOString(),
      to: to.toISOString(),
      coverTeacherId: input.coverTeacherId ?? null,
      cancelledBookingIds: cancelled.map((c) => c.id),
      coverOffers: offerIds.length,
    };
  }
}
