import type { BookingView } from '../../../protocol/schemas.ts';

/**
 * An iCalendar file of the family's appointments, made in the browser from the
 * itinerary. Times are written in UTC (the trailing Z), so every calendar app
 * shows them in its own zone correctly, whatever zone this browser is in.
 */
export function itineraryIcs(
  bookings: BookingView[],
  eventName: string,
  schoolName: string,
  now = new Date(),
): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Confer//Parents evening//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
  ];
  for (const b of bookings) {
    // Two "Mr Hill"s at one school are told apart by what they teach the child.
    const teacher = b.subject ? `${b.teacherName} (${b.subject})` : b.teacherName;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${b.id}@confer`,
      `DTSTAMP:${utc(now.toISOString())}`,
      `DTSTART:${utc(b.startsAt)}`,
      `DTEND:${utc(b.endsAt)}`,
      `SUMMARY:${escapeText(`${eventName}: ${b.studentName} with ${teacher}`)}`,
      `LOCATION:${escapeText(`${b.room}, ${schoolName}`)}`,
      `DESCRIPTION:${escapeText(`Appointment with ${teacher} about ${b.studentName}.`)}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

function utc(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** RFC 5545: lines longer than 75 octets are folded with CRLF + space. */
function fold(line: string): string {
  const bytes = new TextEncoder().encode(line);
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = new TextEncoder().encode(ch).length;
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
