import { DateTime } from 'luxon';
import { type Translator, translatorFor } from '../../i18n/translator.ts';
import { type Appointment, interpreterLanguageFor, teacherFor } from './mail-data.ts';
import { vtimezone } from './vtimezone.ts';

export interface CalendarInput {
  schoolName: string;
  eventName: string;
  timeZone: string;
  /** The ORGANIZER's address: the mail's From (calendar apps show the school's name with it). */
  organizerEmail: string;
  appointments: Appointment[];
  /** PUBLISH adds or updates the appointments; CANCEL removes them from the calendar. */
  method: 'PUBLISH' | 'CANCEL';
  /** When this file is made: its DTSTAMP, always written in UTC. */
  stamp: Date;
  /** The family's language for SUMMARY, DESCRIPTION and the calendar's name (English if absent). */
  translator?: Translator;
}

/** The address in a From header (`Confer <no-reply@school.example>` → `no-reply@school.example`). */
export function fromAddress(from: string): string {
  const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(from);
  return (angled?.[1] ?? from).trim();
}

/**
 * The one writer of appointment calendars: the family's mail attachments and the
 * family's download (GET /events/{eventId}/calendar.ics) both come from here, so a
 * calendar app sees one appointment as one entry whichever file it read last.
 *
 * - UID is the booking id: a move, resize or cancellation updates the same entry.
 * - SEQUENCE is the appointment's own version (its slot's change version, which rises
 *   with every change and never otherwise): the same state gives the same number in
 *   the mail and the download, however often either is sent, and a change always a
 *   higher one, so no app keeps an older copy over a newer one. A clock-based number
 *   would make a late re-send of an old state look newest.
 * - DTSTAMP is UTC (RFC 5545 3.8.7.2 requires the `Z`); the times are in the school's
 *   zone with its VTIMEZONE, so 17:40 in Room 12 lands at 17:40 school time wherever
 *   the reader is.
 * - ORGANIZER is the school, at the address the mail comes from.
 * - A cancellation is METHOD:CANCEL with STATUS:CANCELLED on each VEVENT.
 */
export function appointmentsCalendar(input: CalendarInput): string {
  const { timeZone, appointments, stamp } = input;
  const t = input.translator ?? translatorFor(null);
  const names = { event: input.eventName, school: input.schoolName };
  const starts = appointments.map((a) => a.startsAt.getTime());
  const ends = appointments.map((a) => a.endsAt.getTime());
  const from = new Date(Math.min(...starts, stamp.getTime()));
  const to = new Date(Math.max(...ends, stamp.getTime()));
  const cancel = input.method === 'CANCEL';
  const organizer = `ORGANIZER;CN=${paramText(input.schoolName)}:mailto:${input.organizerEmail}`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Confer//Confer//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${input.method}`,
    `X-WR-CALNAME:${text(t.m.ics_calendar_name(names))}`,
    `X-WR-TIMEZONE:${timeZone}`,
    ...vtimezone(timeZone, from, to).split('\r\n'),
  ];
  for (const a of appointments) {
    const language = interpreterLanguageFor(t, a);
    lines.push(
      'BEGIN:VEVENT',
      `UID:${a.bookingId}@confer`,
      `SEQUENCE:${a.sequence}`,
      `DTSTAMP:${utc(stamp)}`,
      `DTSTART;TZID=${timeZone}:${local(a.startsAt, timeZone)}`,
      `DTEND;TZID=${timeZone}:${local(a.endsAt, timeZone)}`,
      organizer,
      `SUMMARY:${text(t.m.ics_summary({ student: a.studentName, teacher: teacherFor(t, a) }))}`,
      ...(a.room ? [`LOCATION:${text(a.room)}`] : []),
      `DESCRIPTION:${text(
        [
          t.m.ics_event_at_school(names),
          t.m.ics_teacher({ teacher: a.teacherName }),
          a.subject ? t.m.ics_subject({ subject: a.subject }) : null,
          a.room ? t.m.ics_room({ room: a.room }) : null,
          t.m.ics_for({ student: a.studentName }),
          language ? t.m.ics_interpreter({ language }) : null,
        ]
          .filter(Boolean)
          .join('\n'),
      )}`,
      `STATUS:${cancel ? 'CANCELLED' : 'CONFIRMED'}`,
      'TRANSP:OPAQUE',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

// utc, local, text, paramText and fold are also used by the interpreters' calendar
// (features/interpreters/interpreter-calendar.ts).

export function utc(d: Date): string {
  return `${DateTime.fromJSDate(d, { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmmss")}Z`;
}

export function local(d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).toFormat("yyyyLLdd'T'HHmmss");
}

/** TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped. */
export function text(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** A parameter value (CN=…): quoted, since a school's name may hold `:`, `;` or `,`; quotes cannot be escaped, so they go. */
export function paramText(s: string): string {
  return `"${s.replace(/["\r\n]/g, '')}"`;
}

/** RFC 5545 3.1: lines longer than 75 octets are folded with CRLF and a space, never inside a character. */
export function fold(line: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = encoder.encode(ch).length;
    // The first line holds 75 octets; each continuation 74 after its leading space.
    if (size + n > (parts.length ? 74 : 75)) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
