import type { InterpreterSchedule } from '../../../../protocol/interpreters.ts';
import { type Translator, translatorFor } from '../../i18n/translator.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import {
  type ComposedMail,
  escapeHtml,
  htmlPage,
  localDay,
  localTime,
  messageHtml,
  rawHtml,
} from '../mail/templates/layout.ts';
import { interpreterCalendar } from './interpreter-calendar.ts';
import { interpreterSignInLink, tokenForInterpreterMail } from './interpreter-links.ts';
import { interpreterSchedule } from './interpreter-schedule.ts';

export interface InterpreterMailDeps {
  db: Db;
  sealKey: Buffer;
  publicUrl: string;
  /** The From address: the ORGANIZER of the calendar file. */
  organizerEmail: string;
}

/** What the mail service needs to send one mail (its `Addressed`). */
export interface AddressedInterpreterMail {
  to: string | null;
  schoolId: string | null;
  eventId: string | null;
  mail: ComposedMail | null;
  skip?: 'nothing_to_send';
  afterSent?: () => Promise<void>;
}

const nothing: AddressedInterpreterMail = {
  to: null,
  schoolId: null,
  eventId: null,
  mail: null,
  skip: 'nothing_to_send',
};

/**
 * The `interpreter-schedule` mail, composed when it is sent: the meetings as they stand
 * then, a calendar file of them, and the one-time sign-in link (opened from its sealed
 * copy, which is dropped once the mail is out). A link retired by a newer mail, used or
 * expired is not mailed; nor is a schedule of an interpreter removed since or without
 * an e-mail. English (the school's contractors), through the message layer.
 */
export async function composeInterpreterScheduleMail(
  deps: InterpreterMailDeps,
  job: { eventId: string; interpreterId: string; linkId: string },
  now = new Date(),
): Promise<AddressedInterpreterMail> {
  const { rows } = await deps.db.query<{ school_id: string; school_name: string }>(
    `SELECT i.school_id, sc.name AS school_name FROM interpreters i JOIN schools sc ON sc.id = i.school_id
      WHERE i.id = $1`,
    [job.interpreterId],
  );
  const school = rows[0];
  if (!school) return nothing;
  const link = await tokenForInterpreterMail(deps.db, job.linkId, job.interpreterId, deps.sealKey);
  if (!link) return nothing;
  let schedule: InterpreterSchedule;
  try {
    schedule = await interpreterSchedule(deps.db, school.school_id, job.eventId, job.interpreterId);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') return nothing;
    throw err;
  }
  const to = schedule.interpreter.email;
  if (!to) return nothing;
  const url = interpreterSignInLink(deps.publicUrl, link.token);
  const t = translatorFor(null);
  const mail = interpreterScheduleMail(schedule, school.school_name, url, link.expiresAt, t);
  if (schedule.meetings.length > 0)
    mail.attachments = [
      {
        filename: 'interpreting.ics',
        content: interpreterCalendar(schedule, school.school_name, deps.organizerEmail, now, t),
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      },
    ];
  return { to, schoolId: school.school_id, eventId: job.eventId, mail, afterSent: link.forget };
}

/** The mail's words: the meetings in time order, the link, what the calendar file is. */
export function interpreterScheduleMail(
  s: InterpreterSchedule,
  schoolName: string,
  url: string,
  expiresAt: Date,
  t: Translator,
): ComposedMail {
  const zone = s.timeZone;
  const names = { event: s.eventName, school: schoolName };
  const subject = t.m.interpreter_mail_subject(names);
  const lines = s.meetings.map((m) => {
    const start = new Date(m.startsAt);
    const words = {
      day: localDay(start, zone, t.tag),
      from: localTime(start, zone, t.tag),
      to: localTime(new Date(m.endsAt), zone, t.tag),
      teacher: m.teacherName,
      family: m.familySurname,
      language: m.language,
    };
    return m.room
      ? t.m.interpreter_mail_line({ ...words, room: m.room })
      : t.m.interpreter_mail_line_no_room(words);
  });
  const intro =
    s.meetings.length > 0
      ? t.m.interpreter_mail_intro({ ...names, count: s.meetings.length })
      : t.m.interpreter_mail_none(names);
  const expires = `${localDay(expiresAt, zone, t.tag)} ${localTime(expiresAt, zone, t.tag)}`;
  const footer = t.m.interpreter_mail_footer({ school: schoolName, zone });
  const text = [
    t.m.interpreter_mail_greeting({ name: s.interpreter.name }),
    '',
    intro,
    '',
    ...lines.map((l) => `  ${l}`),
    ...(lines.length ? [''] : []),
    t.m.interpreter_mail_link({ link: url }),
    t.m.interpreter_mail_link_once({ expires }),
    ...(lines.length ? ['', t.m.interpreter_mail_calendar()] : []),
    '',
    '--',
    footer,
  ].join('\n');
  const anchor = `<a href="${escapeHtml(url)}">${escapeHtml(t.m.interpreter_mail_link_label())}</a>`;
  const body = [
    `<p>${escapeHtml(t.m.interpreter_mail_greeting({ name: s.interpreter.name }))}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    lines.length ? `<ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '',
    `<p>${messageHtml(t.m.interpreter_mail_link, { link: rawHtml(anchor) })}</p>`,
    `<p>${escapeHtml(t.m.interpreter_mail_link_once({ expires }))}</p>`,
    lines.length ? `<p>${escapeHtml(t.m.interpreter_mail_calendar())}</p>` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return { subject, text, html: htmlPage(subject, body, escapeHtml(footer), { tag: t.tag, dir: t.dir }) };
}
