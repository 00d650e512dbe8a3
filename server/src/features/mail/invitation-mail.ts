import { translatorForLanguage } from '../../i18n/family-translator.ts';
import type { Queryable } from '../../infra/db.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import { bookingInvitationMail } from './templates/booking-invitation-mail.ts';
import type { ComposedMail } from './templates/layout.ts';

export interface AddressedInvitation {
  to: string | null;
  schoolId: string | null;
  mail: ComposedMail | null;
  /** Why nothing goes: the family opted out, or there is nothing left to invite to. */
  skip?: 'opted_out' | 'nothing_to_send';
}

/** The family's page that stops invitations (invitation-opt-out-page.ts). */
export function invitationOptOutLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/mail/invitations/opt-out/${token}`;
}

/**
 * A teacher's invitation to book as it stands when it is sent: not sent
 * once the family opted out (also after the teacher sent it), once every child of
 * theirs in the teacher's classes is booked with the teacher, or once booking closed.
 */
export async function composeInvitationMail(
  q: Queryable,
  invitationId: string,
  publicUrl: string,
): Promise<AddressedInvitation> {
  const none = (skip: AddressedInvitation['skip']): AddressedInvitation => ({
    to: null,
    schoolId: null,
    mail: null,
    skip,
  });
  const { rows } = await q.query<{
    event_id: string;
    staff_id: string;
    family_id: string;
    surname: string;
    email: string | null;
    language: string | null;
    opted_out: boolean;
    token: string;
    school_id: string;
    school_name: string;
    time_zone: string;
    event_name: string;
    closes_at: Date;
    opens_at: Date | null;
    open: boolean;
    title: string;
    first_name: string;
    t_surname: string;
  }>(
    `SELECT i.event_id, i.staff_id, i.family_id, f.surname, f.email, f.language,
            f.invitation_opt_out_at IS NOT NULL AS opted_out, f.mail_opt_out_token AS token,
            sc.id AS school_id, sc.name AS school_name, sc.time_zone, e.name AS event_name,
            e.booking_closes_at AS closes_at,
            CASE WHEN e.booking_opens_at > now() THEN e.booking_opens_at END AS opens_at, e.archived_at IS NULL AND e.booking_closes_at > now() AS open,
            t.title, t.first_name, t.surname AS t_surname
       FROM booking_invitations i
       JOIN families f ON f.id = i.family_id AND f.erased_at IS NULL
       JOIN events e ON e.id = i.event_id
       JOIN schools sc ON sc.id = e.school_id
       JOIN staff t ON t.id = i.staff_id AND t.active
      WHERE i.id = $1`,
    [invitationId],
  );
  const r = rows[0];
  if (!r?.open) return none('nothing_to_send');
  if (r.opted_out) return none('opted_out');
  if (!r.email) return { to: null, schoolId: r.school_id, mail: null };
  const { rows: children } = await q.query<{ name: string }>(
    `SELECT st.first_name AS name
       FROM teacher_students ts JOIN students st ON st.id = ts.student_id
       JOIN family_students fs ON fs.student_id = st.id AND fs.family_id = $3
      WHERE ts.staff_id = $2
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.event_id = $1 AND b.staff_id = $2
                          AND b.student_id = st.id AND booking_is_active(b.status, b.expires_at))
      ORDER BY st.first_name, st.id`,
    [r.event_id, r.staff_id, r.family_id],
  );
  if (children.length === 0) return none('nothing_to_send');
  const { rows: slots } = await q.query<{ first: Date | null; free: number }>(
    `SELECT min(s.starts_at) AS first,
            count(*) FILTER (WHERE NOT s.blocked AND s.starts_at > now() AND NOT EXISTS (
              SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND booking_is_active(b.status, b.expires_at)))::int AS free
       FROM slots s WHERE s.event_id = $1 AND s.staff_id = $2`,
    [r.event_id, r.staff_id],
  );
  const teacherName = staffDisplayName({ title: r.title, first_name: r.first_name, surname: r.t_surname });
  return {
    to: r.email,
    schoolId: r.school_id,
    mail: bookingInvitationMail(
      {
        surname: r.surname,
        schoolName: r.school_name,
        eventName: r.event_name,
        timeZone: r.time_zone,
        teacherName,
        childNames: children.map((c) => c.name),
        eveningStartsAt: slots[0]?.first ?? null,
        freeSlots: slots[0]?.free ?? 0,
        bookingClosesAt: r.closes_at,
        bookingOpensAt: r.opens_at,
        signInUrl: publicUrl.replace(/\/$/, ''),
        optOutLink: invitationOptOutLink(publicUrl, r.token),
      },
      await translatorForLanguage(q, r.school_id, r.language),
    ),
  };
}
