import type { z } from 'zod';
import type { JoinWaitlistRequest, WaitlistEntry } from '../../../../protocol/fairness.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import { inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { requireSchoolEvent } from '../fair-start/event-scope.ts';
import { type FairnessContext, tell } from '../fair-start/fairness-context.ts';
import { recordChange } from '../records/audit-log.ts';
import type { OffersService } from './offers.service.ts';
import { firstFittingEntry } from './slot-fit.ts';

const ENTRY_SELECT = `
  SELECT ev.school_id, w.id, w.event_id, w.staff_id, w.family_id, f.surname AS family_surname, w.student_id,
         st.first_name || ' ' || st.surname AS student_name, w.must_see, w.status,
         row_number() OVER (PARTITION BY w.event_id, w.staff_id, w.status
                            ORDER BY w.must_see DESC, w.position, w.created_at)::int AS place
    FROM waitlist_entries w JOIN events ev ON ev.id = w.event_id
    JOIN families f ON f.id = w.family_id JOIN students st ON st.id = w.student_id`;

interface EntryRow {
  id: string;
  event_id: string;
  staff_id: string;
  family_id: string;
  family_surname: string;
  student_id: string;
  student_name: string;
  must_see: boolean;
  status: WaitlistEntry['status'];
  place: number;
}

function toView(r: EntryRow): WaitlistEntry {
  return {
    id: r.id,
    eventId: r.event_id,
    teacherId: r.staff_id,
    familyId: r.family_id,
    familySurname: r.family_surname,
    studentId: r.student_id,
    studentName: r.student_name,
    place: r.place,
    mustSee: r.must_see,
    status: r.status,
  };
}

/**
 * Waiting lists: a family joins a full teacher's list for a child; a slot that
 * frees up is offered to the first family in line whose itinerary it fits.
 */
export class WaitingListService {
  constructor(
    private readonly ctx: FairnessContext,
    private readonly offers: OffersService,
  ) {
    offers.onSlotReturned = (slotId) => this.slotFreed(slotId).then(() => undefined);
  }

  async join(
    p: Principal,
    eventId: string,
    input: z.infer<typeof JoinWaitlistRequest>,
  ): Promise<WaitlistEntry> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    const id = await inTransaction(this.ctx.db, async (client) => {
      const { rows } = await client.query<{
        school_id: string;
        archived: boolean;
        linked: boolean;
        teaches: boolean;
      }>(
        `SELECT e.school_id, e.archived_at IS NOT NULL AS archived,
                EXISTS (SELECT 1 FROM family_students WHERE family_id = $2 AND student_id = $3) AS linked,
                EXISTS (SELECT 1 FROM teacher_students WHERE staff_id = $4 AND student_id = $3) AS teaches
           FROM events e WHERE e.id = $1`,
        [eventId, p.familyId, input.studentId, input.teacherId],
      );
      const e = rows[0];
      if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');
      if (e.archived) throw new DomainError('window_closed');
      if (!e.linked) throw new DomainError('not_found', 'This child is not in this family.');
      if (!e.teaches) throw new DomainError('not_your_teacher');
      // Serialise joins to one list so positions are handed out in order.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `waitlist:${eventId}:${input.teacherId}`,
      ]);
      try {
        const { rows: ins } = await client.query<{ id: string }>(
          `INSERT INTO waitlist_entries (event_id, staff_id, family_id, student_id, position, arrive_at, leave_by)
           SELECT $1, $2, $3, $4, coalesce(max(position), 0) + 1, $5, $6 FROM waitlist_entries
            WHERE event_id = $1 AND staff_id = $2
           RETURNING id`,
          [
            eventId,
            input.teacherId,
            p.familyId,
            input.studentId,
            input.arriveAt ?? null,
            input.leaveBy ?? null,
          ],
        );
        return ins[0]!.id;
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw new DomainError('clash', 'This child is already on this teacher’s waiting list.');
        throw err;
      }
    });
    // A slot may be free already (one that did not fit an earlier family, say).
    await this.fillTeacher(eventId, input.teacherId);
    return (await this.entries(p, { ids: [id] }))[0]!;
  }

  async leave(p: Principal, entryId: string): Promise<WaitlistEntry> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    const { rowCount } = await this.ctx.db.query(
      `UPDATE waitlist_entries w SET status = 'left' FROM events e
        WHERE w.id = $1 AND w.family_id = $2 AND e.id = w.event_id AND e.school_id = $3 AND w.status = 'waiting'`,
      [entryId, p.familyId, p.schoolId],
    );
    if (!rowCount) throw new DomainError('not_found', 'No such waiting-list entry.');
    return (await this.entries(p, { ids: [entryId] }))[0]!;
  }

  /** A family's own entries, a teacher's own list, or (admins) any teacher's list. */
  async entries(
    p: Principal,
    where: { ids?: string[]; eventId?: string; teacherId?: string },
  ): Promise<WaitlistEntry[]> {
    if (where.eventId) await requireSchoolEvent(this.ctx.db, p, where.eventId);
    const { rows } = await this.ctx.db.query<EntryRow & { school_id: string }>(
      `SELECT * FROM (${ENTRY_SELECT}) x
        WHERE ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2::uuid IS NULL OR event_id = $2)
          AND ($3::uuid IS NULL OR staff_id = $3)
        ORDER BY staff_id, status DESC, place`,
      [where.ids ?? null, where.eventId ?? null, where.teacherId ?? null],
    );
    return rows
      .filter(
        (r) =>
          r.school_id === p.schoolId &&
          (p.kind === 'family' ? r.family_id === p.familyId : p.isAdmin || r.staff_id === p.staffId),
      )
      .map(toView);
  }

  /** Admins put a teacher's waiting entries in a new order (must-see entries still go first). */
  async reorder(
    p: Principal,
    eventId: string,
    teacherId: string,
    entryIds: string[],
  ): Promise<WaitlistEntry[]> {
    if (p.kind !== 'staff' || !p.isAdmin) throw new DomainError('forbidden');
    await inTransaction(this.ctx.db, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT w.id FROM waitlist_entries w JOIN events e ON e.id = w.event_id
          WHERE w.event_id = $1 AND w.staff_id = $2 AND e.school_id = $3 AND w.status = 'waiting' FOR UPDATE OF w`,
        [eventId, teacherId, p.schoolId],
      );
      const have = new Set(rows.map((r) => r.id));
      if (
        entryIds.length !== have.size ||
        entryIds.some((id) => !have.has(id)) ||
        new Set(entryIds).size !== entryIds.length
      )
        throw new DomainError('invalid_input', 'List every waiting entry of this teacher exactly once.');
      await client.query(
        `UPDATE waitlist_entries w SET position = x.i FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, i) WHERE w.id = x.id`,
        [entryIds],
      );
    });
    return this.entries(p, { eventId, teacherId });
  }

  /** A teacher (for their own list) or an admin marks a family "must see": its requests go first. */
  async setMustSee(p: Principal, entryId: string, mustSee: boolean): Promise<WaitlistEntry> {
    if (p.kind !== 'staff') throw new DomainError('forbidden');
    const { rowCount } = await this.ctx.db.query(
      `UPDATE waitlist_entries w SET must_see = $2 FROM events e
        WHERE w.id = $1 AND e.id = w.event_id AND e.school_id = $3 AND ($4 OR w.staff_id = $5)`,
      [entryId, mustSee, p.schoolId, p.isAdmin, p.staffId],
    );
    if (!rowCount) throw new DomainError('not_found', 'No such waiting-list entry.');
    return (await this.entries(p, { ids: [entryId] }))[0]!;
  }

  /** Offers every free slot of a teacher that someone in line can take. */
  async fillTeacher(eventId: string, teacherId: string): Promise<number> {
    const { rows } = await this.ctx.db.query<{ id: string }>(
      `SELECT s.id FROM slots s
        WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked AND s.starts_at > now()
          AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                           AND booking_is_active(b.status, b.expires_at))
        ORDER BY s.starts_at`,
      [eventId, teacherId],
    );
    let made = 0;
    for (const s of rows) if (await this.slotFreed(s.id)) made++;
    return made;
  }

  /**
   * A slot may have become free: offer it to the first family in line it fits.
   * The slot row is locked while deciding, so two servers hearing the same news
   * make one offer; a lapsed offer still standing in the table is ended first.
   */
  async slotFreed(slotId: string): Promise<string | null> {
    const lapsed: { id: string; family_id: string; event_id: string }[] = [];
    const made = await inTransaction(this.ctx.db, async (client) => {
      const { rows } = await client.query<{
        event_id: string;
        school_id: string;
        free: boolean;
        offer_minutes: number;
        waiting: boolean;
      }>(
        `SELECT s.event_id, e.school_id, e.offer_minutes,
                NOT s.blocked AND s.starts_at > now() AND e.archived_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                                 AND booking_is_active(b.status, b.expires_at)) AS free,
                EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.event_id = s.event_id AND w.staff_id = s.staff_id
                         AND w.status = 'waiting') AS waiting
           FROM slots s JOIN events e ON e.id = s.event_id WHERE s.id = $1 FOR UPDATE OF s`,
        [slotId],
      );
      const s = rows[0];
      if (!s?.free || !s.waiting) return null;
      const { rows: ended } = await client.query<{ id: string; family_id: string; event_id: string }>(
        `UPDATE offers SET status = 'lapsed', ended_at = now()
          WHERE slot_id = $1 AND kind = 'waitlist' AND status = 'pending' AND expires_at <= now()
          RETURNING id, family_id, event_id`,
        [slotId],
      );
      lapsed.push(...ended);
      const { rowCount: standing } = await client.query(
        `SELECT 1 FROM offers WHERE slot_id = $1 AND kind = 'waitlist' AND status = 'pending'`,
        [slotId],
      );
      if (standing) return null;
      const entry = await firstFittingEntry(client, slotId);
      if (!entry) return null;
      const [id] = await this.offers.create(client, s.event_id, [
        {
          kind: 'waitlist',
          slotId,
          familyId: entry.family_id,
          studentId: entry.student_id,
          entryId: entry.id,
          expiresAt: new Date(Date.now() + s.offer_minutes * 60_000),
        },
      ]);
      // Nobody asked for this offer: the record of transactions says the waiting list made it.
      await recordChange(client, {
        schoolId: s.school_id,
        actorKind: 'worker',
        actorId: null,
        action: 'waitlistOffer',
        target: {
          eventId: s.event_id,
          slotId,
          offerId: id,
          familyId: entry.family_id,
          studentId: entry.student_id,
        },
        detail: { after: { expiresAt: new Date(Date.now() + s.offer_minutes * 60_000).toISOString() } },
      });
      return id!;
    });
    for (const l of lapsed)
      tell(this.ctx, rooms.family(l.family_id), 'offer:ended', {
        offerId: l.id,
        eventId: l.event_id,
        status: 'lapsed',
      });
    if (made) await this.offers.announce([made]);
    return made;
  }
}
