import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { appointmentsCalendar } from '../../server/src/features/mail/calendar.ts';
import type { Appointment } from '../../server/src/features/mail/mail-data.ts';

function appt(id: string, startIso: string, zone: string, minutes = 5): Appointment {
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
  };
}

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
    });
    expect(ics).toContain('METHOD:CANCEL');
    const [e] = parseEvents(ics);
    expect(e!.uid).toBe('44444444-4444-4444-8444-444444444444@confer');
    expect(e!.component.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});
