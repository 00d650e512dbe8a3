import type { MailAttachment } from '../../../infra/mailer.ts';
import { appointmentsCalendar } from '../calendar.ts';
import { type Appointment, type FamilyContext, teacherWithSubject } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, localDay, localTime } from './layout.ts';

type By = 'family' | 'staff' | 'system';

function itineraryText(list: Appointment[], zone: string): string {
  let day = '';
  const lines: string[] = [];
  for (const a of list) {
    const d = localDay(a.startsAt, zone);
    if (d !== day) {
      if (day) lines.push('');
      lines.push(d);
      day = d;
    }
    const room = a.room ? `, ${a.room}` : '';
    lines.push(
      `  ${localTime(a.startsAt, zone)}–${localTime(a.endsAt, zone)}  ${teacherWithSubject(a)}${room} (for ${a.studentName})`,
    );
  }
  return lines.join('\n');
}

function itineraryHtml(list: Appointment[], zone: string, struck = false): string {
  const rows = list
    .map((a) => {
      const style = struck ? ' style="text-decoration:line-through;color:#777"' : '';
      return `<tr${style}><td style="padding:4px 12px 4px 0;white-space:nowrap">${escapeHtml(localDay(a.startsAt, zone))}<br><strong>${localTime(a.startsAt, zone)}–${localTime(a.endsAt, zone)}</strong></td><td style="padding:4px 12px 4px 0">${escapeHtml(teacherWithSubject(a))}<br><span style="color:#555">${escapeHtml(a.room)}</span></td><td style="padding:4px 0">${escapeHtml(a.studentName)}</td></tr>`;
    })
    .join('\n');
  return `<table style="border-collapse:collapse;font-size:14px"><thead><tr><th align="left">When</th><th align="left">Teacher and room</th><th align="left">For</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function footer(ctx: FamilyContext): { text: string; html: string } {
  const text = `This message was sent by Confer for ${ctx.schoolName} because of a booking made with your family's login. Times are ${ctx.schoolName}'s local time (${ctx.timeZone}).`;
  return { text, html: escapeHtml(text) };
}

/**
 * When a booking mail is written, and from which address: every mail describes the
 * family's appointments as they stand at `at` (the worker composes it only once it
 * may send it), and its calendar file names the school at `organizerEmail`.
 */
export interface Sending {
  at: Date;
  organizerEmail: string;
}

function ics(
  ctx: FamilyContext,
  sending: Sending,
  list: Appointment[],
  method: 'PUBLISH' | 'CANCEL',
  name: string,
) {
  const content = appointmentsCalendar({
    schoolName: ctx.schoolName,
    eventName: ctx.eventName,
    timeZone: ctx.timeZone,
    organizerEmail: sending.organizerEmail,
    appointments: list,
    method,
    stamp: sending.at,
  });
  const attachment: MailAttachment = {
    filename: name,
    content,
    contentType: `text/calendar; charset=utf-8; method=${method}`,
  };
  return attachment;
}

/** What the attached file does: a cancellation's file removes entries, never adds them. */
function calendarNote(method: 'PUBLISH' | 'CANCEL' | null): string {
  if (method === 'CANCEL')
    return 'The attached calendar file removes the cancelled appointments from your calendar.';
  if (method === 'PUBLISH')
    return 'The attached calendar file adds these times to your calendar, or updates them if you added them before.';
  return '';
}

function compose(
  ctx: FamilyContext,
  sending: Sending,
  subject: string,
  intro: string,
  sections: { heading: string; list: Appointment[]; struck?: boolean }[],
  calendar: { method: 'PUBLISH' | 'CANCEL'; attachment: MailAttachment } | null,
): ComposedMail {
  const f = footer(ctx);
  // A mail may wait in the queue (an SMTP outage); it says which moment it describes.
  const asOf = `As of ${localTime(sending.at, ctx.timeZone)} on ${localDay(sending.at, ctx.timeZone)}, when this message was sent.`;
  const note = calendarNote(calendar?.method ?? null);
  const text = [
    `Dear ${ctx.surname} family,`,
    '',
    intro,
    asOf,
    ...sections.flatMap((s) => ['', `${s.heading}:`, '', itineraryText(s.list, ctx.timeZone)]),
    '',
    note,
    '',
    '--',
    f.text,
  ].join('\n');
  const body = [
    `<p>Dear ${escapeHtml(ctx.surname)} family,</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p style="color:#555">${escapeHtml(asOf)}</p>`,
    ...sections.map(
      (s) =>
        `<h3 style="margin:20px 0 8px">${escapeHtml(s.heading)}</h3>${itineraryHtml(s.list, ctx.timeZone, s.struck)}`,
    ),
    note ? `<p>${escapeHtml(note)}</p>` : '',
  ].join('\n');
  return {
    subject,
    text,
    html: htmlPage(subject, body, f.html),
    attachments: calendar ? [calendar.attachment] : [],
  };
}

function publish(ctx: FamilyContext, sending: Sending, itinerary: Appointment[]) {
  return {
    method: 'PUBLISH' as const,
    attachment: ics(ctx, sending, itinerary, 'PUBLISH', 'appointments.ics'),
  };
}

export function confirmationMail(
  ctx: FamilyContext,
  sending: Sending,
  itinerary: Appointment[],
  by: By,
): ComposedMail {
  const intro =
    by === 'staff'
      ? `${ctx.schoolName} has booked appointments for you at ${ctx.eventName}.`
      : `Your appointments at ${ctx.eventName} are confirmed.`;
  return compose(
    ctx,
    sending,
    `Your appointments: ${ctx.eventName} (${ctx.schoolName})`,
    intro,
    [{ heading: 'Your appointments', list: itinerary }],
    publish(ctx, sending, itinerary),
  );
}

export function cancellationMail(
  ctx: FamilyContext,
  sending: Sending,
  cancelled: Appointment[],
  itinerary: Appointment[],
  by: By,
): ComposedMail {
  const what = cancelled.length === 1 ? 'An appointment' : `${cancelled.length} appointments`;
  const intro =
    by === 'staff'
      ? `${ctx.schoolName} has cancelled ${what.toLowerCase()} at ${ctx.eventName}. Please contact the school if you have questions.`
      : `${what} at ${ctx.eventName} ${cancelled.length === 1 ? 'has' : 'have'} been cancelled as you asked.`;
  const sections = [{ heading: 'Cancelled', list: cancelled, struck: true }];
  if (itinerary.length)
    sections.push({ heading: 'Your remaining appointments', list: itinerary, struck: false });
  return compose(
    ctx,
    sending,
    `Appointment cancelled: ${ctx.eventName} (${ctx.schoolName})`,
    intro,
    sections,
    { method: 'CANCEL', attachment: ics(ctx, sending, cancelled, 'CANCEL', 'cancelled.ics') },
  );
}

export function changeMail(
  ctx: FamilyContext,
  sending: Sending,
  changed: Appointment[],
  itinerary: Appointment[],
  by: By,
): ComposedMail {
  const intro =
    by === 'staff'
      ? `${ctx.schoolName} has changed your appointments at ${ctx.eventName}. The new times are below.`
      : `Your appointments at ${ctx.eventName} have changed. The new times are below.`;
  return compose(
    ctx,
    sending,
    `Appointment changed: ${ctx.eventName} (${ctx.schoolName})`,
    intro,
    [
      { heading: 'Changed', list: changed },
      { heading: 'All your appointments', list: itinerary },
    ],
    publish(ctx, sending, itinerary),
  );
}

export function reminderMail(ctx: FamilyContext, sending: Sending, itinerary: Appointment[]): ComposedMail {
  const first = itinerary[0]!;
  return compose(
    ctx,
    sending,
    `Reminder: ${ctx.eventName} on ${localDay(first.startsAt, ctx.timeZone)}`,
    `A reminder of your appointments at ${ctx.eventName}. Your first one is at ${localTime(first.startsAt, ctx.timeZone)}.`,
    [{ heading: 'Your appointments', list: itinerary }],
    publish(ctx, sending, itinerary),
  );
}
