import {
  INVITATION_FAMILY_INTERVAL_HOURS,
  INVITATIONS_PER_TEACHER_HOUR,
  type InvitationSkip,
  type NotBookedFamily,
  type NotBookedView,
  type SendInvitationsResponse,
} from '../../../../protocol/invitations.ts';
import type { Db, Queryable } from '../../infra/db.ts';
import { DomainError, type Result } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { principalKey } from '../auth/principal.ts';
import { runIdempotent } from '../booking/idempotency.ts';

interface Row {
  family_id: string;
  surname: string;
  has_email: boolean;
  opted_out: boolean;
  student_id: string;
  name: string;
  class_name: string;
  booked: boolean;
  last_invited: Date | null;
  /** Set while the family's last invitation is under 24 hours old: from when another may go. */
  next_at: Date | null;
}

interface Candidate extends NotBookedFamily {
  /** Every child of theirs in the teacher's classes is booked with the teacher. */
  allBooked: boolean;
}

type TeacherPrincipal = Extract<Principal, { kind: 'staff' }>;

/**
 * Which families of a teacher's classes have not booked the teacher yet, and
 * the polite invitation to book the teacher may send them. The limits (one invitation
 * per family per event in 24 hours, whichever teacher; a cap per teacher per hour) are
 * counted from booking_invitations in the sending transaction, under a lock per event
 * and per teacher, so two tabs sending at once cannot both slip under them. The mail
 * itself goes through the outbox written in the same transaction; the worker checks
 * the family's opt-out again when it sends.
 */
export class InvitationsService {
  constructor(private readonly deps: { db: Db }) {}

  async notBooked(p: Principal, eventId: string): Promise<NotBookedView> {
    const t = teacher(p);
    const db = this.deps.db;
    const open = await bookingOpen(db, t, eventId);
    const families = (await this.candidates(db, t, eventId)).filter((c) => !c.allBooked);
    return {
      eventId,
      bookingOpen: open,
      families: families.map(({ allBooked: _, ...f }) => f),
      sentLastHour: await sentLastHour(db, t.staffId),
      perHour: INVITATIONS_PER_TEACHER_HOUR,
    };
  }

  async send(
    p: Principal,
    eventId: string,
    familyIds: string[],
    idem: { key: string | null },
  ): Promise<Result<SendInvitationsResponse>> {
    const t = teacher(p);
    const wanted = [...new Set(familyIds)];
    const scope = idem.key
      ? {
          principal: principalKey(p),
          key: idem.key,
          operation: 'sendInvitations',
          input: { eventId, wanted },
        }
      : null;
    return runIdempotent(this.deps.db, scope, async (client) => {
      if (!(await bookingOpen(client, t, eventId)))
        throw new DomainError(
          'window_closed',
          'Booking has closed for this evening: families can no longer be invited to book.',
        );
      // Event first, then teacher: every sender takes them in this order.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`invitations:event:${eventId}`]);
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`invitations:staff:${t.staffId}`]);
      const byFamily = new Map((await this.candidates(client, t, eventId)).map((c) => [c.familyId, c]));
      const skipped: SendInvitationsResponse['skipped'] = [];
      const toSend: string[] = [];
      for (const familyId of wanted) {
        const c = byFamily.get(familyId);
        const reason: InvitationSkip | null = !c ? 'not_your_class' : c.allBooked ? 'booked' : c.cannotInvite;
        if (reason) skipped.push({ familyId, reason });
        else toSend.push(familyId);
      }
      const sent = await sentLastHour(client, t.staffId);
      if (sent + toSend.length > INVITATIONS_PER_TEACHER_HOUR) {
        const left = Math.max(0, INVITATIONS_PER_TEACHER_HOUR - sent);
        throw new DomainError(
          'rate_limited',
          `You can send ${INVITATIONS_PER_TEACHER_HOUR} invitations an hour; ${left === 0 ? 'none are' : `only ${left} ${left === 1 ? 'is' : 'are'}`} left now. Pick fewer families or try again later.`,
          { retryAfter: await secondsUntilOneFrees(client, t.staffId) },
        );
      }
      const invited: SendInvitationsResponse['invited'] = [];
      for (const familyId of toSend) {
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO booking_invitations (event_id, staff_id, family_id) VALUES ($1, $2, $3) RETURNING id`,
          [eventId, t.staffId, familyId],
        );
        const invitationId = rows[0]!.id;
        // The outbox row is the mail's promise: relayed to the e-mail worker after commit.
        await client.query(
          `INSERT INTO outbox (topic, event_id, mail_kind, family_id, booking_ids, actor_kind)
           VALUES ('mail', $1, 'invitation', $2, ARRAY[$3::uuid], 'staff')`,
          [eventId, familyId, invitationId],
        );
        invited.push({ familyId, invitationId });
      }
      return {
        invited,
        skipped,
        sentLastHour: sent + invited.length,
        perHour: INVITATIONS_PER_TEACHER_HOUR,
      };
    });
  }

  /** Every family with a child in the teacher's classes, with what stands in the way of inviting it. */
  private async candidates(q: Queryable, t: TeacherPrincipal, eventId: string): Promise<Candidate[]> {
    // A child counts as booked whichever of its families booked it (separated parents).
    const { rows } = await q.query<Row>(
      `SELECT f.id AS family_id, f.surname, f.email IS NOT NULL AS has_email,
              f.invitation_opt_out_at IS NOT NULL AS opted_out,
              st.id AS student_id, st.first_name || ' ' || st.surname AS name, st.class_name,
              EXISTS (SELECT 1 FROM bookings b
                       WHERE b.event_id = $1 AND b.staff_id = $2 AND b.student_id = st.id
                         AND booking_is_active(b.status, b.expires_at)) AS booked,
              (SELECT max(i.sent_at) FROM booking_invitations i
                WHERE i.event_id = $1 AND i.family_id = f.id) AS last_invited,
              (SELECT max(i.sent_at) + make_interval(hours => $4) FROM booking_invitations i
                WHERE i.event_id = $1 AND i.family_id = f.id
               HAVING max(i.sent_at) + make_interval(hours => $4) > now()) AS next_at
         FROM teacher_students ts
         JOIN students st ON st.id = ts.student_id
         JOIN family_students fs ON fs.student_id = st.id
         JOIN families f ON f.id = fs.family_id
        WHERE ts.staff_id = $2 AND f.school_id = $3 AND f.erased_at IS NULL
        ORDER BY f.surname, f.id, st.first_name, st.id`,
      [eventId, t.staffId, t.schoolId, INVITATION_FAMILY_INTERVAL_HOURS],
    );
    const out = new Map<string, Candidate>();
    for (const r of rows) {
      let c = out.get(r.family_id);
      if (!c) {
        c = {
          familyId: r.family_id,
          surname: r.surname,
          children: [],
          lastInvitedAt: r.last_invited?.toISOString() ?? null,
          cannotInvite: r.opted_out
            ? 'opted_out'
            : !r.has_email
              ? 'no_email'
              : r.next_at
                ? 'invited_recently'
                : null,
          canInviteAt: r.next_at?.toISOString() ?? null,
          allBooked: true,
        };
        out.set(r.family_id, c);
      }
      if (!r.booked) {
        c.allBooked = false;
        c.children.push({ studentId: r.student_id, name: r.name, className: r.class_name });
      }
    }
    return [...out.values()];
  }
}

function teacher(p: Principal): TeacherPrincipal {
  if (p.kind !== 'staff' || !p.isTeacher)
    throw new DomainError('forbidden', 'Only teachers invite the families of their classes.');
  return p;
}

/** The event of the teacher's school, and whether families can still book it (not archived, not closed). */
async function bookingOpen(q: Queryable, t: TeacherPrincipal, eventId: string): Promise<boolean> {
  const { rows } = await q.query<{ open: boolean }>(
    `SELECT archived_at IS NULL AND booking_closes_at > now() AS open
       FROM events WHERE id = $1 AND school_id = $2`,
    [eventId, t.schoolId],
  );
  if (!rows[0]) throw new DomainError('not_found', 'This event does not exist.');
  return rows[0].open;
}

async function sentLastHour(q: Queryable, staffId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM booking_invitations WHERE staff_id = $1 AND sent_at > now() - interval '1 hour'`,
    [staffId],
  );
  return rows[0]!.n;
}

/** When the oldest invitation of the teacher's last hour leaves it. */
async function secondsUntilOneFrees(q: Queryable, staffId: string): Promise<number> {
  const { rows } = await q.query<{ s: number | null }>(
    `SELECT ceil(extract(epoch FROM min(sent_at) + interval '1 hour' - now()))::int AS s
       FROM booking_invitations WHERE staff_id = $1 AND sent_at > now() - interval '1 hour'`,
    [staffId],
  );
  return Math.max(1, rows[0]!.s ?? 1);
}
