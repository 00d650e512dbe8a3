import { type Translator, translatorFor } from '../../../i18n/translator.ts';
import {
  type ComposedMail,
  escapeHtml,
  htmlPage,
  localDay,
  localTime,
  messageHtml,
  nameList,
  paragraphsHtml,
  rawHtml,
} from './layout.ts';

export interface InvitationMailData {
  surname: string;
  schoolName: string;
  eventName: string;
  timeZone: string;
  teacherName: string;
  /** The children of the family in the teacher's classes still without an appointment with them. */
  childNames: string[];
  /** The teacher's first slot: the day of the evening as families read it. */
  eveningStartsAt: Date | null;
  freeSlots: number;
  bookingClosesAt: Date;
  /** When booking opens, if it has not yet (an invitation may go before). */
  bookingOpensAt: Date | null;
  signInUrl: string;
  optOutLink: string;
}

/**
 * A teacher's polite invitation to a family who has not booked them, in the family's
 * language. Says why the family gets it and how to stop such invitations (one link,
 * also as List-Unsubscribe for the mail client's own button); mail about the family's
 * own appointments is not affected by that.
 */
export function bookingInvitationMail(
  d: InvitationMailData,
  t: Translator = translatorFor(null),
): ComposedMail {
  const zone = d.timeZone;
  const children = nameList(d.childNames, t.tag);
  const teacher = d.teacherName;
  const glad = d.eveningStartsAt
    ? t.m.mail_invite_glad_on_day({
        teacher,
        event: d.eventName,
        day: localDay(d.eveningStartsAt, zone, t.tag),
        children,
      })
    : t.m.mail_invite_glad({ teacher, event: d.eventName, children });
  const notBooked =
    d.freeSlots > 0
      ? t.m.mail_invite_not_booked_free({ teacher, count: d.freeSlots })
      : t.m.mail_invite_not_booked({ teacher });
  const closes = {
    url: d.signInUrl,
    closes_day: localDay(d.bookingClosesAt, zone, t.tag),
    closes_time: localTime(d.bookingClosesAt, zone, t.tag),
  };
  const book = d.bookingOpensAt
    ? t.m.mail_invite_book_from_until({
        ...closes,
        opens_day: localDay(d.bookingOpensAt, zone, t.tag),
        opens_time: localTime(d.bookingOpensAt, zone, t.tag),
      })
    : t.m.mail_invite_book_until(closes);
  const body = [`${glad} ${notBooked}`, book, t.m.mail_invite_ignore()].join('\n\n');
  const why = t.m.mail_invite_why({
    children,
    count: d.childNames.length,
    teacher,
    school: d.schoolName,
  });
  const subject = t.m.mail_invite_subject({ teacher, event: d.eventName });
  const dear = t.m.mail_dear_family({ surname: d.surname });
  const text = [dear, '', body, '', '--', why, t.m.mail_invite_stop_text({ link: d.optOutLink })].join('\n');
  const stop = messageHtml(t.m.mail_invite_stop_html, {
    link_start: rawHtml(`<a href="${escapeHtml(d.optOutLink)}">`),
    link_end: rawHtml('</a>'),
  });
  const html = htmlPage(
    subject,
    `<p>${escapeHtml(dear)}</p>\n${paragraphsHtml(body)}`,
    `${escapeHtml(why)} ${stop}`,
    t,
  );
  return {
    subject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${d.optOutLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
