import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { type Appointment, teacherWithSubject } from './mail-data.ts';
import { vtimezone } from './vtimezone.ts';

export interface CalendarInput {
  schoolName: string;
  eventName: string;
  timeZone: string;
  appointments: Appointment[];
  /** PUBLISH adds or updates the appointments; CANCEL removes them from the calendar. */
  method: 'PUBLISH' | 'CANCEL';
}

// SEQUENCE has to grow with every update of the same UID for calendar apps to
// take the newer copy; seconds since a fixed date grow and fit an int32 for decades.
const SEQUENCE_EPOCH = Date.UTC(2024, 0, 1);

/**
 * An .ics file with one VEVENT per appointment, written in the school's time zone
 * (with its VTIMEZONE) so that "17:40 in Room 12" lands at 17:40 school time in
 * any calendar app, wherever the reader is. The booking id is the UID, so a later
 * change or cancellation updates the same calendar entry instead of adding one.
 */
export function appointmentsCalendar(input: CalendarInput): string {
  const { timeZone, appointments } = input;
  const starts = appointments.map((a) => a.startsAt.getTime());
  const ends = appointments.map((a) => a.endsAt.getTime());
  const from = new Date(Math.min(...starts, Date.now()));
  const to = new Date(Math.max(...ends, Date.now()));
  const cal = ical({
    name: `${input.eventName} — ${input.schoolName}`,
    prodId: { company: 'Confer', product: 'Confer', language: 'EN' },
    method: input.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
    timezone: { name: timeZone, generator: () => vtimezone(timeZone, from, to) },
  });
  const sequence = Math.floor((Date.now() - SEQUENCE_EPOCH) / 1000);
  for (const a of appointments) {
    cal.createEvent({
      id: `${a.bookingId}@confer`,
      sequence,
      start: DateTime.fromJSDate(a.startsAt).setZone(timeZone),
      end: DateTime.fromJSDate(a.endsAt).setZone(timeZone),
      timezone: timeZone,
      summary: `${a.studentName}: ${teacherWithSubject(a)}`,
      location: a.room || null,
      description: [
        `${input.eventName}, ${input.schoolName}`,
        `Teacher: ${a.teacherName}`,
        a.subject ? `Subject: ${a.subject}` : null,
        a.room ? `Room: ${a.room}` : null,
        `For: ${a.studentName}`,
      ]
        .filter(Boolean)
        .join('\n'),
      status: input.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    });
  }
  return cal.toString();
}
