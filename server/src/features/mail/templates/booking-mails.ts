import { type Translator, translatorFor } from '../../../i18n/translator.ts';
import type { MailAttachment } from '../../../infra/mailer.ts';
import { appointmentsCalendar } from '../calendar.ts';
import { type Appointment, type FamilyContext, interpreterLanguageFor, teacherFor } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, localDay, localTime } from './layout.ts';

type By = 'family' | 'staff' | 'system';

function times(t: Translator, a: Appointment, zone: string): string {
  return t.m.mail_time_range({
    start: localTime(a.startsAt, zone, t.tag),
    end: localTime(a.endsAt, zone, t.tag),
  });
}

function itineraryText(t: Translator, list: Appointment[], zone: string): string {
  let day = '';
  const lines: string[] = [];
  for (const a of list) {
    const d = localDay(a.startsAt, zone, t.tag);
    if (d !== day) {
      if (day) lines.push('');
      lines.push(d);
      day = d;
    }
    const line = { times: times(t, a, zone), teacher: teacherFor(t, a), student: a.studentName };
    lines.push(`  ${a.room ? t.m.mail_line_with_room({ ...line, room: a.room }) : t.m.mail_line(line)}`);
    const language = interpreterLanguageFor(t, a);
    if (language) lines.push(`    ${t.m.mail_interpreter({ language })}`);
  }
  return lines.join('\n');
}

function itineraryHtml(t: Translator, list: Appointment[], zone: string, struck = false): string {
  // Mail clients ignore most CSS: the columns keep to the reading side with align.
  const start = t.dir === 'rtl' ? 'right' : 'left';
  const gap = t.dir === 'rtl' ? 'padding:4px 0 4px 12px' : 'padding:4px 12px 4px 0';
  const rows = list
    .map((a) => {
      const style = struck ? ' style="text-decoration:line-through;color:#777"' : '';
      const language = interpreterLanguageFor(t, a);
      const interpreter = language
        ? `<br><span>${escapeHtml(t.m.mail_interpreter({ language }))}</span>`
        : '';
      return `<tr${style}><td style="${gap};white-space:nowrap">${escapeHtml(localDay(a.startsAt, zone, t.tag))}<br><strong>${escapeHtml(times(t, a, zone))}</strong></td><td style="${gap}">${escapeHtml(teacherFor(t, a))}<br><span style="color:#555">${escapeHtml(a.room)}</span>${interpreter}</td><td style="padding:4px 0">${escapeHtml(a.studentName)}</td></tr>`;
    })
    .join('\n');
  return `<table style="border-collapse:collapse;font-size:14px"><thead><tr><th align="${start}">${escapeHtml(t.m.mail_column_when())}</th><th align="${start}">${escapeHtml(t.m.mail_column_teacher_room())}</th><th align="${start}">${escapeHtml(t.m.mail_column_for())}</th></tr></thead><tbody>${rows}</tbody></table>`;
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
  t: Translator,
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
    translator: t,
  });
  const attachment: MailAttachment = {
    filename: name,
    content,
    contentType: `text/calendar; charset=utf-8; method=${method}`,
  };
  return attachment;
}

/** What the attached file does: a cancellation's file removes entries, never adds them. */
function calendarNote(t: Translator, method: 'PUBLISH' | 'CANCEL' | null): string {
  if (method === 'CANCEL') return t.m.mail_calendar_removes();
  if (method === 'PUBLISH') return t.m.mail_calendar_adds();
  return '';
}

function compose(
  t: Translator,
  ctx: FamilyContext,
  sending: Sending,
  subject: string,
  intro: string,
  sections: { heading: string; list: Appointment[]; struck?: boolean }[],
  calendar: { method: 'PUBLISH' | 'CANCEL'; attachment: MailAttachment } | null,
): ComposedMail {
  const zone = ctx.timeZone;
  const footer = t.m.mail_booking_footer({ school: ctx.schoolName, zone });
  // A mail may wait in the queue (an SMTP outage); it says which moment it describes.
  const asOf = t.m.mail_as_of({
    time: localTime(sending.at, zone, t.tag),
    day: localDay(sending.at, zone, t.tag),
  });
  const note = calendarNote(t, calendar?.method ?? null);
  const dear = t.m.mail_dear_family({ surname: ctx.surname });
  const text = [
    dear,
    '',
    intro,
    asOf,
    ...sections.flatMap((s) => ['', `${s.heading}:`, '', itineraryText(t, s.list, zone)]),
    '',
    note,
    '',
    '--',
    footer,
  ].join('\n');
  const body = [
    `<p>${escapeHtml(dear)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<p style="color:#555">${escapeHtml(asOf)}</p>`,
    ...sections.map(
      (s) =>
        `<h3 style="margin:20px 0 8px">${escapeHtml(s.heading)}</h3>${itineraryHtml(t, s.list, zone, s.struck)}`,
    ),
    note ? `<p>${escapeHtml(note)}</p>` : '',
  ].join('\n');
  return {
    subject,
    text,
    html: htmlPage(subject, body, escapeHtml(footer), t),
    attachments: calendar ? [calendar.attachment] : [],
  };
}

function publish(t: Translator, ctx: FamilyContext, sending: Sending, itinerary: Appointment[]) {
  return {
    method: 'PUBLISH' as const,
    attachment: ics(t, ctx, sending, itinerary, 'PUBLISH', 'appointments.ics'),
  };
}

// Each mail is written in the family's language (`t`, by default from ctx.language without a
// school's overrides); names, subjects, rooms and the school's words stay as the data has them.

export function confirmationMail(
  ctx: FamilyContext,
  sending: Sending,
  itinerary: Appointment[],
  by: By,
  t: Translator = translatorFor(ctx.language),
): ComposedMail {
  const names = { school: ctx.schoolName, event: ctx.eventName };
  return compose(
    t,
    ctx,
    sending,
    t.m.mail_subject_confirmed(names),
    by === 'staff' ? t.m.mail_intro_confirmed_by_school(names) : t.m.mail_intro_confirmed_by_family(names),
    [{ heading: t.m.mail_heading_your_appointments(), list: itinerary }],
    publish(t, ctx, sending, itinerary),
  );
}

export function cancellationMail(
  ctx: FamilyContext,
  sending: Sending,
  cancelled: Appointment[],
  itinerary: Appointment[],
  by: By,
  t: Translator = translatorFor(ctx.language),
): ComposedMail {
  const names = { school: ctx.schoolName, event: ctx.eventName, count: cancelled.length };
  const sections = [{ heading: t.m.mail_heading_cancelled(), list: cancelled, struck: true }];
  if (itinerary.length)
    sections.push({ heading: t.m.mail_heading_remaining(), list: itinerary, struck: false });
  return compose(
    t,
    ctx,
    sending,
    t.m.mail_subject_cancelled(names),
    by === 'staff' ? t.m.mail_intro_cancelled_by_school(names) : t.m.mail_intro_cancelled_by_family(names),
    sections,
    { method: 'CANCEL', attachment: ics(t, ctx, sending, cancelled, 'CANCEL', 'cancelled.ics') },
  );
}

export function changeMail(
  ctx: FamilyContext,
  sending: Sending,
  changed: Appointment[],
  itinerary: Appointment[],
  by: By,
  t: Translator = translatorFor(ctx.language),
): ComposedMail {
  const names = { school: ctx.schoolName, event: ctx.eventName };
  return compose(
    t,
    ctx,
    sending,
    t.m.mail_subject_changed(names),
    by === 'staff' ? t.m.mail_intro_changed_by_school(names) : t.m.mail_intro_changed_by_family(names),
    [
      { heading: t.m.mail_heading_changed(), list: changed },
      { heading: t.m.mail_heading_all(), list: itinerary },
    ],
    publish(t, ctx, sending, itinerary),
  );
}

export function reminderMail(
  ctx: FamilyContext,
  sending: Sending,
  itinerary: Appointment[],
  t: Translator = translatorFor(ctx.language),
): ComposedMail {
  const first = itinerary[0]!;
  const zone = ctx.timeZone;
  return compose(
    t,
    ctx,
    sending,
    t.m.mail_subject_reminder({ event: ctx.eventName, day: localDay(first.startsAt, zone, t.tag) }),
    t.m.mail_intro_reminder({ event: ctx.eventName, time: localTime(first.startsAt, zone, t.tag) }),
    [{ heading: t.m.mail_heading_your_appointments(), list: itinerary }],
    publish(t, ctx, sending, itinerary),
  );
}
