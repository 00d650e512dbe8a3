import { type ComposedMail, escapeHtml, htmlPage, localDay, localTime, paragraphsHtml } from './layout.ts';

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

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * A teacher's polite invitation to a family who has not booked them. Says
 * why the family gets it and how to stop such invitations (one link, also as
 * List-Unsubscribe for the mail client's own button); mail about the family's own
 * appointments is not affected by that.
 */
export function bookingInvitationMail(d: InvitationMailData): ComposedMail {
  const zone = d.timeZone;
  const when = d.eveningStartsAt ? ` on ${localDay(d.eveningStartsAt, zone)}` : '';
  const at = (x: Date) => `${localDay(x, zone)} at ${localTime(x, zone)}`;
  const closes = at(d.bookingClosesAt);
  const window = d.bookingOpensAt ? `from ${at(d.bookingOpensAt)} until ${closes}` : `until ${closes}`;
  const body = [
    `${d.teacherName} would be glad to see you at ${d.eventName}${when} to talk about ${list(d.childNames)}. You have not booked an appointment with ${d.teacherName} yet${d.freeSlots > 0 ? `, and there ${d.freeSlots === 1 ? 'is still 1 time' : `are still ${d.freeSlots} times`} free` : ''}.`,
    `You can book at ${d.signInUrl} (sign in with the school code, your surname and your access code) ${window}.`,
    'If you have already made other arrangements with the school, please ignore this message.',
  ].join('\n\n');
  const why = `You receive this because ${list(d.childNames)} ${d.childNames.length === 1 ? 'is' : 'are'} in ${d.teacherName}’s class at ${d.schoolName}.`;
  const subject = `An invitation to book: ${d.teacherName}, ${d.eventName}`;
  const text = [
    `Dear ${d.surname} family,`,
    '',
    body,
    '',
    '--',
    why,
    `To stop invitations like this (mail about your appointments still comes), open: ${d.optOutLink}`,
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>Dear ${escapeHtml(d.surname)} family,</p>\n${paragraphsHtml(body)}`,
    `${escapeHtml(why)} <a href="${escapeHtml(d.optOutLink)}">Stop invitations like this</a> (mail about your appointments still comes).`,
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
