import type { InterpreterSchedule } from '../../../../protocol/interpreters.ts';
import type { Translator } from '../../i18n/translator.ts';
import { fold, local, paramText, text, utc } from '../mail/calendar.ts';
import { vtimezone } from '../mail/vtimezone.ts';

/**
 * The interpreter's meetings as a calendar file (the mail's attachment), written with
 * the same pieces as the families' calendars. UIDs are the booking's with a suffix, so
 * an interpreter who is also a parent at the school never sees one entry replace the
 * other. SEQUENCE is the moment the file is made: a later mail is always the newer
 * state (it is composed when sent, from the database as it is then). A meeting
 * cancelled afterwards stays in their calendar until the next mail; the live timeline
 * is the truth on the night.
 */
export function interpreterCalendar(
  s: InterpreterSchedule,
  schoolName: string,
  organizerEmail: string,
  stamp: Date,
  t: Translator,
): string {
  const zone = s.timeZone;
  const starts = s.meetings.map((m) => Date.parse(m.startsAt));
  const ends = s.meetings.map((m) => Date.parse(m.endsAt));
  const from = new Date(Math.min(...starts, stamp.getTime()));
  const to = new Date(Math.max(...ends, stamp.getTime()));
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Confer//Confer//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${text(t.m.interpreter_ics_calendar_name({ event: s.eventName }))}`,
    `X-WR-TIMEZONE:${zone}`,
    ...vtimezone(zone, from, to).split('\r\n'),
  ];
  for (const m of s.meetings) {
    const words = { language: m.language, teacher: m.teacherName, family: m.familySurname };
    lines.push(
      'BEGIN:VEVENT',
      `UID:${m.bookingId}-interpreter@confer`,
      `SEQUENCE:${Math.floor(stamp.getTime() / 1000)}`,
      `DTSTAMP:${utc(stamp)}`,
      `DTSTART;TZID=${zone}:${local(new Date(m.startsAt), zone)}`,
      `DTEND;TZID=${zone}:${local(new Date(m.endsAt), zone)}`,
      `ORGANIZER;CN=${paramText(schoolName)}:mailto:${organizerEmail}`,
      `SUMMARY:${text(t.m.interpreter_ics_summary(words))}`,
      ...(m.room ? [`LOCATION:${text(m.room)}`] : []),
      `DESCRIPTION:${text(t.m.interpreter_ics_description({ ...words, event: s.eventName, school: schoolName }))}`,
      'STATUS:CONFIRMED',
      'TRANSP:OPAQUE',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
