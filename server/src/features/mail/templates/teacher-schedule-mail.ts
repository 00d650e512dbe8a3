import { englishLanguageName } from '../../../../../protocol/interpreter-language-name.ts';
import type { Appointment, EventContext } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, localDay, localTime } from './layout.ts';

/** A teacher's appointments for one day, sent on the morning of that day. */
export function teacherScheduleMail(
  teacherName: string,
  event: EventContext,
  date: Date,
  appointments: Appointment[],
): ComposedMail {
  const zone = event.timeZone;
  const day = localDay(date, zone);
  const subject = `Your schedule today: ${event.eventName}`;
  // Who else will be in the room: staff may see the interpreter's name (the school's contact).
  const interpreterOf = (a: Appointment) =>
    a.interpreterName && a.interpreterLanguage
      ? `${englishLanguageName(a.interpreterLanguage)} interpreter: ${a.interpreterName}`
      : null;
  const line = (a: Appointment) => {
    const i = interpreterOf(a);
    return `${localTime(a.startsAt, zone)}–${localTime(a.endsAt, zone)}  ${a.studentName} (${a.familySurname} family)${a.room ? `, ${a.room}` : ''}${i ? ` — ${i}` : ''}`;
  };
  const text = [
    `Dear ${teacherName},`,
    '',
    `Your appointments at ${event.eventName} on ${day} (${appointments.length}):`,
    '',
    ...appointments.map((a) => `  ${line(a)}`),
    '',
    'Changes made after this message appear live in Confer.',
    '',
    '--',
    `Sent by Confer for ${event.schoolName}. Times are local time (${zone}).`,
  ].join('\n');
  const rows = appointments
    .map((a) => {
      const i = interpreterOf(a);
      const interpreter = i ? `<br><span style="color:#555">${escapeHtml(i)}</span>` : '';
      return `<tr><td style="padding:3px 12px 3px 0;white-space:nowrap"><strong>${localTime(a.startsAt, zone)}–${localTime(a.endsAt, zone)}</strong></td><td style="padding:3px 12px 3px 0">${escapeHtml(a.studentName)} <span style="color:#555">(${escapeHtml(a.familySurname)} family)</span>${interpreter}</td><td style="padding:3px 0">${escapeHtml(a.room)}</td></tr>`;
    })
    .join('\n');
  const body = `<p>Dear ${escapeHtml(teacherName)},</p>
<p>Your appointments at ${escapeHtml(event.eventName)} on ${escapeHtml(day)} (${appointments.length}):</p>
<table style="border-collapse:collapse;font-size:14px">${rows}</table>
<p>Changes made after this message appear live in Confer.</p>`;
  return {
    subject,
    text,
    html: htmlPage(
      subject,
      body,
      escapeHtml(`Sent by Confer for ${event.schoolName}. Times are local time (${zone}).`),
    ),
  };
}
