import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { appointmentsCalendar, fromAddress } from '../../server/src/features/mail/calendar.ts';
import type { Appointment } from '../../server/src/features/mail/mail-data.ts';

function appt(id: string, startIso: string, zone: string, minutes = 5, sequence = 41): Appointment {
  const start = DateTime.fromISO(startIso, { zone });
  return {
    bookingId: id,
    startsAt: start.toJSDate(),
    endsAt: start.plus({ minutes }).toJSDate(),
    teacherName: 'Ms Okafor',
    subject: 'Geography',
    room: 'Room 12',
    studentName: 'Ava Patel',
    familySurname: 'Patel',
    status: 'confirmed',
    sequence,
  };
}

const ORGANIZER = 'no-reply@school.example';
const STAMP = new Date('2026-03-01T09:15:30.000Z');

/** Parses an .ics the way a calendar app would: its own VTIMEZONEs, no zone data of the reader's. */
function parseEvents(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  // Re-read after registering, so the times bind to the zones just registered.
  const again = new ICAL.Component(ICAL.parse(ics));
  return again.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

describe('appointments calendar (.ics)', () => {
  it('writes one VEVENT per appointment at the right instants across a daylight-saving change', () => {
    const zone = 'Europe/London';
    // The clocks go forward in the UK on 29 March 2026.
    const list = [
      appt('11111111-1111-4111-8111-111111111111', '2026-03-28T17:40', zone),
      appt('22222222-2222-4222-8222-222222222222', '2026-03-30T17:40', zone, 10),
    ];
    const ics = appointmentsCalendar({
      schoolName: 'Test School',
      eventName: "Year 9 parents' evening",
      timeZone: zone,
      appointments: list,
      method: 'PUBLISH',
      organizerEmail: ORGANIZER,
      stamp: STAMP,
    });
    expect(ics).toContain('METHOD:PUBLISH');
    expect(ics).toContain('DTSTART;TZID=Europe/London:20260328T174000');
    expect(ics).toContain('DTSTART;TZID=Europe/London:20260330T174000');
    const events = parseEvents(ics);
    expect(events).toHaveLength(2);
    for (const [i, e] of events.entries()) {
      expect(e.uid).toBe(`${list[i]!.bookingId}@confer`);
      expect(e.startDate.zone?.tzid).toBe(zone);
      expect(e.startDate.toJSDate().toISOString()).toBe(list[i]!.startsAt.toISOString());
      expect(e.endDate.toJSDate().toISOString()).toBe(list[i]!.endsAt.toISOString());
      expect(e.location).toBe('Room 12');
      expect(e.summary).toContain('Ms Okafor');
      expect(e.description).toContain('Teacher: Ms Okafor');
      expect(e.summary).toBe('Ava Patel: Ms Okafor (Geography)');
      expect(e.description).toContain('Subject: Geography');
      // RFC 5545 3.8.7.2: DTSTAMP in UTC, with the Z.
      const stamp = e.component.getFirstProperty('dtstamp')!;
      expect(stamp.toICALString()).toBe('DTSTAMP:20260301T091530Z');
      expect((stamp.getFirstValue() as ICAL.Time).toJSDate().toISOString()).toBe(STAMP.toISOString());
      // The school organizes, at the mail's From address.
      const organizer = e.component.getFirstProperty('organizer')!;
      expect(organizer.getFirstValue()).toBe(`mailto:${ORGANIZER}`);
      expect(organizer.getParameter('cn')).toBe('Test School');
      // The appointment's own version, not a clock.
      expect(e.sequence).toBe(41);
    }
    // 17:40 GMT, then 17:40 BST (16:40 UTC).
    expect(list[0]!.startsAt.toISOString()).toBe('2026-03-28T17:40:00.000Z');
    expect(list[1]!.startsAt.toISOString()).toBe('2026-03-30T16:40:00.000Z');
  });

  it('handles a zone without daylight saving and a half-hour offset', () => {
    const zone = 'Asia/Kolkata';
    const list = [appt('33333333-3333-4333-8333-333333333333', '2026-07-01T18:05', zone)];
    const ics = appointmentsCalendar({
      schoolName: 'S',
      eventName: 'E',
      timeZone: zone,
      appointments: list,
      method: 'PUBLISH',
      organizerEmail: ORGANIZER,
      stamp: STAMP,
    });
    const [e] = parseEvents(ics);
    expect(e!.startDate.toJSDate().toISOString()).toBe('2026-07-01T12:35:00.000Z');
  });

  it('marks cancellations so calendar apps remove the entry with the same UID', () => {
    const zone = 'Europe/London';
    const list = [appt('44444444-4444-4444-8444-444444444444', '2026-11-10T16:00', zone)];
    const ics = appointmentsCalendar({
      schoolName: 'S',
      eventName: 'E',
      timeZone: zone,
      appointments: list,
      method: 'CANCEL',
      organizerEmail: ORGANIZER,
      stamp: STAMP,
    });
    expect(ics).toContain('METHOD:CANCEL');
    const [e] = parseEvents(ics);
    expect(e!.uid).toBe('44444444-4444-4444-8444-444444444444@confer');
    expect(e!.component.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(e!.component.getFirstProperty('dtstamp')!.toICALString()).toMatch(/Z$/);
    expect(e!.sequence).toBe(41);
  });

  it('gives the same appointment in the same state the same SEQUENCE whenever it is written, and a higher one after a change', () => {
    const zone = 'Europe/London';
    const a = appt('55555555-5555-4555-8555-555555555555', '2026-11-10T16:00', zone, 5, 7);
    const write = (list: Appointment[], stamp: Date) =>
      parseEvents(
        appointmentsCalendar({
          schoolName: 'S',
          eventName: 'E',
          timeZone: zone,
          appointments: list,
          method: 'PUBLISH',
          organizerEmail: ORGANIZER,
          stamp,
        }),
      )[0]!;
    const first = write([a], new Date('2026-10-01T10:00:00Z'));
    const resent = write([a], new Date('2026-10-02T10:00:00Z'));
    const moved = write(
      [{ ...a, startsAt: new Date(a.startsAt.getTime() + 600_000), sequence: 9 }],
      new Date('2026-10-01T09:00:00Z'),
    );
    expect(resent.uid).toBe(first.uid);
    expect(resent.sequence).toBe(first.sequence);
    // Even written earlier by the clock, the changed appointment is the newer copy.
    expect(moved.sequence).toBeGreaterThan(first.sequence);
  });

  it('escapes text, quotes the school in CN, folds long lines at 75 octets and ends lines with CRLF', () => {
    const zone = 'Europe/London';
    const list = [
      {
        ...appt('66666666-6666-4666-8666-666666666666', '2026-11-30T16:05', zone),
        room: 'Room 1, Block B; upstairs',
        teacherName: 'Mr Hill',
        subject: '',
        studentName: 'Zoë Ångström-Øverby with a very long name to fold past seventy-five octets',
      },
    ];
    const ics = appointmentsCalendar({
      schoolName: 'St Mary: Riverside, "Upper" School',
      eventName: "Parents' evening",
      timeZone: zone,
      appointments: list,
      method: 'PUBLISH',
      organizerEmail: ORGANIZER,
      stamp: STAMP,
    });
    expect(ics).toContain('LOCATION:Room 1\\, Block B\\; upstairs\r\n');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '').includes('\n')).toBe(false);
    expect(ics.split('\r\n').every((l) => new TextEncoder().encode(l).length <= 75)).toBe(true);
    const [e] = parseEvents(ics);
    expect(e!.location).toBe('Room 1, Block B; upstairs');
    // Without a subject on the class list there are no empty brackets.
    expect(e!.summary).toBe(`${list[0]!.studentName}: Mr Hill`);
    expect(e!.component.getFirstProperty('organizer')!.getParameter('cn')).toBe(
      'St Mary: Riverside, Upper School',
    );
  });

  it('takes the ORGANIZER address out of a From header', () => {
    expect(fromAddress('Confer <no-reply@confer.local>')).toBe('no-reply@confer.local');
    expect(fromAddress('"Riverside, School" <office@riverside.sch.uk>')).toBe('office@riverside.sch.uk');
    expect(fromAddress('office@riverside.sch.uk')).toBe('office@riverside.sch.uk');
  });
});
