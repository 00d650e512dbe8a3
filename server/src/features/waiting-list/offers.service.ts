import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { ErrorBody } from '../../../../protocol/errors.ts';
import type { AcceptOfferResponse, OfferViewT } from '../../../../protocol/fairness.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import { type DbClient, inTransaction, type Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { loadBookingViews } from '../booking/booking-views.ts';
import { type Fact, recordChanges } from '../booking/event-changes.ts';
import { requireSchoolEvent } from '../fair-start/event-scope.ts';
import { afterCommit, type FairnessContext, tell } from '../fair-start/fairness-context.ts';
import { insertConfirmed } from '../fair-start/system-bookings.ts';

interface OfferRow {
  id: string;
  kind: 'waitlist' | 'cover';
  event_id: string;
  slot_id: string;
  family_id: string;
  student_id: string;
  entry_id: string | null;
  replaces_booking_id: string | null;
  status: OfferViewT['status'];
  expires_at: Date;
  booking_id: string | null;
  staff_id: string;
  title: string;
  first_name: string;
  surname: string;
  starts_at: Date;
  ends_at: Date;
  room: string;
  school_id: string;
  live: boolean;
}

const OFFER_SELECT = `
  SELECT o.id, o.kind, o.event_id, o.slot_id, o.family_id, o.student_id, o.entry_id,
         o.replaces_booking_id, o.status,
         o.expires_at, o.booking_id, s.staff_id, t.title, t.first_name, t.surname, s.starts_at,
         s.ends_at, s.room, e.school_id, o.expires_at > now() AS live
    FROM offers o JOIN slots s ON s.id = o.slot_id JOIN staff t ON t.id = s.staff_id
    JOIN events e ON e.id = o.event_id`;

function toView(r: OfferRow): OfferViewT {
  return {
    id: r.id,
    kind: r.kind,
    eventId: r.event_id,
    slotId: r.slot_id,
    teacherId: r.staff_id,
    teacherName: staffDisplayName(r),
    studentId: r.student_id,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    room: r.room,
    status: r.status,
    expiresAt: r.expires_at.toISOString(),
    bookingId: r.booking_id,
  };
}

/** The offer as a parent reads it, in the school's wall-clock time. */
function offerText(v: OfferViewT, zone: string): string {
  const at = (iso: string, fmt: string) => DateTime.fromISO(iso).setZone(zone).toFormat(fmt);
  return [
    `${v.teacherName}, ${at(v.startsAt, 'cccc d LLLL, HH:mm')}–${at(v.endsAt, 'HH:mm')}${v.room ? `, room ${v.room}` : ''}.`,
    `This offer stands until ${at(v.expiresAt, 'HH:mm')}. Accept it in Confer before then; after that it passes to the next family.`,
  ].join('\n\n');
}

export interface NewOffer {
  kind: 'waitlist' | 'cover';
  slotId: string;
  familyId: string;
  studentId: string;
  entryId?: string | null;
  replacesBookingId?: string | null;
  expiresAt: Date;
}

/**
 * Timed offers of a slot to one family: a freed slot to the first fitting family
 * on the waiting list, or a cover teacher's slot after an absence. Accepting
 * books it through the booking constraints; letting it lapse passes it on.
 */
export class OffersService {
  /**
   * The virtual queue's refusal for a family at an event (fair-start/virtual-queue.ts),
   * set where the queue is built; none: no queue.
   */
  familyGate: ((eventId: string, familyId: string) => Promise<ErrorBody | null>) | null = null;

  /** Set by the waiting list: what to do with a slot an offer gave back. */
  onSlotReturned: (slotId: string) => Promise<void> = async () => {};

  constructor(private readonly ctx: FairnessContext) {}

  async load(q: Queryable, ids: string[]): Promise<OfferViewT[]> {
    const { rows } = await q.query<OfferRow>(
      `${OFFER_SELECT} WHERE o.id = ANY($1::uuid[]) ORDER BY s.starts_at`,
      [ids],
    );
    return rows.map(toView);
  }

  /** Inserts offers inside the caller's transaction; call `announce` with the result after commit. */
  async create(client: DbClient, eventId: string, offers: NewOffer[]): Promise<string[]> {
    if (offers.length === 0) return [];
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO offers (kind, event_id, slot_id, family_id, student_id, entry_id, replaces_booking_id, expires_at)
       SELECT k, $1, s, f, st, en, r, x
         FROM unnest($2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::uuid[], $8::timestamptz[])
              AS t(k, s, f, st, en, r, x)
       RETURNING id`,
      [
        eventId,
        offers.map((o) => o.kind),
        offers.map((o) => o.slotId),
        offers.map((o) => o.familyId),
        offers.map((o) => o.studentId),
        offers.map((o) => o.entryId ?? null),
        offers.map((o) => o.replacesBookingId ?? null),
        offers.map((o) => o.expiresAt),
      ],
    );
    return rows.map((r) => r.id);
  }

  /** After commit: the family sees the offer live, gets it by e-mail, and its expiry is scheduled. */
  async announce(ids: string[]): Promise<void> {
    const views = await this.load(this.ctx.db, ids);
    const { rows } = await this.ctx.db.query<{ id: string; family_id: string; time_zone: string }>(
      `SELECT o.id, o.family_id, sc.time_zone FROM offers o JOIN events e ON e.id = o.event_id
         JOIN schools sc ON sc.id = e.school_id WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    const familyOf = new Map(rows.map((r) => [r.id, r.family_id]));
    const zoneOf = new Map(rows.map((r) => [r.id, r.time_zone]));
    for (const v of views) {
      const familyId = familyOf.get(v.id)!;
      tell(this.ctx, rooms.family(familyId), 'offer:made', v);
      afterCommit(
        this.ctx,
        'schedule offer expiry',
        this.ctx.jobs.at({ kind: 'offer-expiry', offerId: v.id }, new Date(v.expiresAt)),
      );
      if (this.ctx.mail)
        afterCommit(
          this.ctx,
          'offer mail',
          this.ctx.mail([
            {
              kind: 'family-notice',
              eventId: v.eventId,
              familyId,
              noticeId: `offer-${v.id}`,
              subject:
                v.kind === 'waitlist'
                  ? 'A slot has come up for you'
                  : 'Your appointment can move to a cover teacher',
              body: offerText(v, zoneOf.get(v.id)!),
            },
          ]),
        );
    }
  }

  async mine(p: Principal, eventId: string): Promise<OfferViewT[]> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    await requireSchoolEvent(this.ctx.db, p, eventId);
    const { rows } = await this.ctx.db.query<OfferRow>(
      `${OFFER_SELECT} WHERE o.family_id = $1 AND o.event_id = $2 AND e.school_id = $3 ORDER BY o.created_at DESC`,
      [p.familyId, eventId, p.schoolId],
    );
    return rows.map(toView);
  }

  private async lockOwn(client: DbClient, p: Principal, offerId: string): Promise<OfferRow> {
    const { rows } = await client.query<OfferRow>(`${OFFER_SELECT} WHERE o.id = $1 FOR UPDATE OF o`, [
      offerId,
    ]);
    const o = rows[0];
    const mayAct =
      o && o.school_id === p.schoolId && (p.kind === 'family' ? o.family_id === p.familyId : p.isAdmin);
    if (!o || !mayAct) throw new DomainError('not_found', 'No such offer.');
    return o;
  }

  /**
   * Accepts an offer: books the slot. Concurrent acceptances of one offer queue on
   * its row and the second finds it accepted; acceptances of different offers of
   * one slot (cover offers) race to the booking constraints, which let one through.
   */
  async accept(p: Principal, offerId: string): Promise<z.infer<typeof AcceptOfferResponse>> {
    let facts: Fact[] = [];
    let fresh = false;
    // The virtual queue lives in Redis, so it is asked here, before the transaction,
    // as the main road asks it (booking.service.ts): a family still in line takes
    // nothing, whichever way it comes in.
    if (p.kind === 'family' && this.familyGate) {
      const { rows } = await this.ctx.db.query<{ event_id: string }>(
        'SELECT event_id FROM offers WHERE id = $1 AND family_id = $2',
        [offerId, p.familyId],
      );
      const refused = rows[0] ? await this.familyGate(rows[0].event_id, p.familyId) : null;
      if (refused) throw new DomainError(refused.code, refused.message, { retryAfter: refused.retryAfter });
    }
    const { offer, bookingId } = await inTransaction(this.ctx.db, async (client) => {
      const o = await this.lockOwn(client, p, offerId);
      if (o.status === 'accepted' && o.booking_id) return { offer: o, bookingId: o.booking_id };
      if (o.status !== 'pending' || !o.live) throw new DomainError('hold_expired', 'This offer has ended.');
      const [inserted] = await insertConfirmed(
        client,
        [
          {
            slotId: o.slot_id,
            familyId: o.family_id,
            studentId: o.student_id,
            replaces: o.replaces_booking_id,
          },
        ],
        p.kind === 'family' ? { kind: 'family', id: p.familyId } : { kind: 'staff', id: p.staffId },
        // A cover offer is the school's own change after an absence: it may move a
        // family to a teacher who does not teach the child, after booking closed.
        { schoolId: p.schoolId, override: o.kind === 'cover' ? 'cover_offer' : null },
      );
      const ins = inserted!;
      if (!ins.ok) throw ins.error;
      await client.query(
        `UPDATE offers SET status = 'accepted', booking_id = $2, ended_at = now() WHERE id = $1`,
        [offerId, ins.bookingId],
      );
      if (o.entry_id)
        await client.query(`UPDATE waitlist_entries SET status = 'booked' WHERE id = $1`, [o.entry_id]);
      facts = await recordChanges(
        client,
        o.event_id,
        { kind: p.kind === 'family' ? 'family' : 'staff', id: p.kind === 'family' ? p.familyId : p.staffId },
        [
          {
            action: 'confirmed',
            slotId: o.slot_id,
            bookingId: ins.bookingId,
            familyId: o.family_id,
            studentId: o.student_id,
          },
        ],
      );
      fresh = true;
      return { offer: o, bookingId: ins.bookingId };
    });
    if (fresh) {
      this.ctx.publisher.publish(facts);
      tell(this.ctx, rooms.family(offer.family_id), 'offer:ended', {
        offerId,
        eventId: offer.event_id,
        status: 'accepted',
      });
    }
    const [view] = await this.load(this.ctx.db, [offerId]);
    const [booking] = await loadBookingViews(this.ctx.db, [bookingId]);
    return { offer: view!, booking: booking! };
  }

  async decline(p: Principal, offerId: string): Promise<OfferViewT> {
    const o = await inTransaction(this.ctx.db, async (client) => {
      const o = await this.lockOwn(client, p, offerId);
      if (o.status !== 'pending') throw new DomainError('hold_expired', 'This offer has ended.');
      await client.query(`UPDATE offers SET status = 'declined', ended_at = now() WHERE id = $1`, [offerId]);
      return o;
    });
    tell(this.ctx, rooms.family(o.family_id), 'offer:ended', {
      offerId,
      eventId: o.event_id,
      status: 'declined',
    });
    if (o.kind === 'waitlist') await this.onSlotReturned(o.slot_id);
    const [view] = await this.load(this.ctx.db, [offerId]);
    return view!;
  }

  /** The offer-expiry job: a pending offer past its time lapses and the slot passes on. Idempotent. */
  async expire(offerId: string): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{
      family_id: string;
      event_id: string;
      slot_id: string;
      kind: string;
    }>(
      `UPDATE offers SET status = 'lapsed', ended_at = now()
        WHERE id = $1 AND status = 'pending' AND expires_at <= now() + interval '1 second'
        RETURNING family_id, event_id, slot_id, kind`,
      [offerId],
    );
    const o = rows[0];
    if (!o) return false;
    tell(this.ctx, rooms.family(o.family_id), 'offer:ended', {
      offerId,
      eventId: o.event_id,
      status: 'lapsed',
    });
    if (o.kind === 'waitlist') await this.onSlotReturned(o.slot_id);
    return true;
  }
}
