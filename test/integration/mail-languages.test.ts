import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { Attachment, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directionOf, locales } from '../../protocol/locales.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { Appointment, FamilyContext } from '../../server/src/features/mail/mail-data.ts';
import { bookingInvitationMail } from '../../server/src/features/mail/templates/booking-invitation-mail.ts';
import {
  cancellationMail,
  changeMail,
  confirmationMail,
  reminderMail,
  type Sending,
} from '../../server/src/features/mail/templates/booking-mails.ts';
import { type ComposedMail, escapeHtml } from '../../server/src/features/mail/templates/layout.ts';
import { pseudoTranslator, type Translator, translatorFor } from '../../server/src/i18n/translator.ts';
import { lettersPage } from '../../server/src/pages/letters-page.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * A family's mail, calendar files and the pages it opens are written in its language
 * (families.language; issue 18). Translations do not exist yet, so the mails are checked
 * against the message layer itself, and the pseudo-locale en-XA shows that no English text
 * reaches a family except through it.
 */

const ZONE = 'Europe/London';
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
const evening = `${DateTime.now().setZone(ZONE).year + 1}-11-30`;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { timeZone: ZONE, eveningDate: evening });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

let nextFamily = 0;
function takeFamily(): { index: number; address: string; id: string } {
  while (nextFamily < school.families.length) {
    const index = nextFamily++;
    const f = school.families[index]!;
    if (f.email) return { index, address: f.email, id: f.id };
  }
  throw new Error('no family with an e-mail address left');
}

async function bookOne(familyIndex: number) {
  const fam = school.families[familyIndex]!;
  const token = await loginFamily(app, school, familyIndex);
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const slot = (snap.body.slots as { id: string; teacherId: string; state: string }[]).find(
    (s) => s.state === 'free' && s.teacherId === teacherId,
  )!;
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
  expect(held.status).toBe(200);
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: school.eventId, holdIds: [held.body.id] },
  });
  expect(confirmed.status).toBe(200);
  return confirmed.body.bookings[0] as { id: string; startsAt: string };
}

function mailsTo(address: string): ParsedMail[] {
  return smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
}

function calendarOf(mail: ParsedMail): string {
  const files = mail.attachments.filter((a: Attachment) => a.contentType === 'text/calendar');
  expect(files).toHaveLength(1);
  return files[0]!.content.toString('utf8');
}

async function names(): Promise<{ event: string; school: string }> {
  const { rows } = await app.db.query<{ event: string; school: string }>(
    'SELECT e.name AS event, s.name AS school FROM events e JOIN schools s ON s.id = e.school_id WHERE e.id = $1',
    [school.eventId],
  );
  return rows[0]!;
}

describe("a family's booking mail, in its language", () => {
  it('Welsh: the subject, the HTML part and the calendar file come from the cy messages', async () => {
    const fam = takeFamily();
    await app.db.query(`UPDATE families SET language = 'cy' WHERE id = $1`, [fam.id]);
    const booking = await bookOne(fam.index);
    await expect.poll(() => mailsTo(fam.address).length, { timeout: 20_000 }).toBe(1);
    const mail = mailsTo(fam.address)[0]!;
    const cy = translatorFor('cy');
    const n = await names();
    expect(mail.subject).toBe(cy.m.mail_subject_confirmed(n));
    expect(mail.html).toMatch(/<html lang="cy" dir="ltr">/);
    expect(mail.text).toContain(cy.m.mail_intro_confirmed_by_family({ event: n.event }));
    const ics = calendarOf(mail);
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
    expect(event.uid).toBe(`${booking.id}@confer`);
    expect(event.description.split('\n')[0]).toBe(cy.m.ics_event_at_school(n));
    const { rows } = await app.db.query<{ name: string }>(
      `SELECT st.first_name || ' ' || st.surname AS name FROM bookings b JOIN students st ON st.id = b.student_id WHERE b.id = $1`,
      [booking.id],
    );
    expect(event.summary.startsWith(`${rows[0]!.name}: `)).toBe(true);
    expect(event.description).toContain(cy.m.ics_for({ student: rows[0]!.name }));
  });

  it('Arabic: the HTML part is right-to-left; a family without a language gets English', async () => {
    const ar = takeFamily();
    const en = takeFamily();
    await app.db.query(`UPDATE families SET language = 'ar' WHERE id = $1`, [ar.id]);
    await app.db.query('UPDATE families SET language = NULL WHERE id = $1', [en.id]);
    await bookOne(ar.index);
    await bookOne(en.index);
    await expect.poll(() => mailsTo(ar.address).length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => mailsTo(en.address).length, { timeout: 20_000 }).toBe(1);
    expect(mailsTo(ar.address)[0]!.html).toMatch(/<html lang="ar" dir="rtl">/);
    expect(mailsTo(ar.address)[0]!.subject).toBe(translatorFor('ar').m.mail_subject_confirmed(await names()));
    const english = mailsTo(en.address)[0]!;
    expect(english.html).toMatch(/<html lang="en-GB" dir="ltr">/);
    expect(english.subject).toBe(`Your appointments: ${(await names()).event} (${(await names()).school})`);
  });
});

// Pure rendering: every language, and the pseudo-locale.
const ctx: FamilyContext = {
  familyId: '00000000-0000-4000-8000-000000000001',
  email: 'p@parents.test',
  surname: 'Okafor',
  eventId: '00000000-0000-4000-8000-000000000002',
  eventName: 'Year 9 evening',
  schoolId: '00000000-0000-4000-8000-000000000003',
  schoolName: 'Hillside School',
  timeZone: ZONE,
};
function appt(
  id: string,
  iso: string,
  room = 'Lab 2',
  interpreterLanguage: string | null = null,
): Appointment {
  const start = DateTime.fromISO(iso, { zone: ZONE });
  return {
    bookingId: `00000000-0000-4000-8000-00000000000${id}`,
    startsAt: start.toJSDate(),
    endsAt: start.plus({ minutes: 5 }).toJSDate(),
    teacherName: 'Ms Khan',
    subject: 'Chemistry',
    room,
    studentName: 'Ada Okafor',
    familySurname: 'Okafor',
    status: 'confirmed',
    interpreterLanguage,
    sequence: 3,
  };
}
// The first meeting has a Polish interpreter, the second none.
const list = [appt('a', '2026-11-30T17:40', 'Lab 2', 'pl'), appt('b', '2026-11-30T18:05', '')];
const sending: Sending = { at: new Date('2026-11-20T16:42:00Z'), organizerEmail: 'no-reply@school.example' };

function everyMail(t: Translator): ComposedMail[] {
  return [
    confirmationMail(ctx, sending, list, 'family', t),
    confirmationMail(ctx, sending, list, 'staff', t),
    cancellationMail(ctx, sending, [list[0]!], list.slice(1), 'family', t),
    cancellationMail(ctx, sending, list, [], 'staff', t),
    changeMail(ctx, sending, [list[0]!], list, 'family', t),
    changeMail(ctx, sending, [list[0]!], list, 'staff', t),
    reminderMail(ctx, sending, list, t),
    bookingInvitationMail(
      {
        surname: 'Okafor',
        schoolName: 'Hillside School',
        eventName: 'Year 9 evening',
        timeZone: ZONE,
        teacherName: 'Ms Khan',
        childNames: ['Ada', 'Tom'],
        eveningStartsAt: list[0]!.startsAt,
        freeSlots: 7,
        bookingClosesAt: new Date('2026-11-29T20:00:00Z'),
        bookingOpensAt: new Date('2026-11-20T08:00:00Z'),
        signInUrl: 'https://confer.example',
        optOutLink: `https://confer.example/mail/invitations/opt-out/${'a'.repeat(48)}`,
      },
      t,
    ),
  ];
}

/** Unfolded .ics lines (RFC 5545 3.1). */
function icsLines(ics: string): string[] {
  return ics.replace(/\r\n /g, '').split('\r\n');
}

/**
 * The texts of an HTML part's blocks: inline markup (a link or bold words inside a sentence)
 * is part of its sentence; entities decoded as far as they matter here.
 */
function textNodes(html: string): string[] {
  const body = html.replace(/^[\s\S]*?<body[^>]*>/, '').replace(/<\/?(a|strong|span)\b[^>]*>/g, '');
  return body
    .split(/<[^>]+>/)
    .map((s) => s.replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim())
    .filter(Boolean);
}

describe('mail and calendar files in every language, rendered', () => {
  it('carry lang and dir for each language, and a time in the school’s zone', () => {
    for (const locale of locales) {
      const t = translatorFor(locale);
      for (const mail of everyMail(t)) {
        expect(mail.html).toContain(`<html lang="${t.tag}" dir="${directionOf(locale)}">`);
        expect(mail.subject).not.toBe('');
      }
      const ics = String(confirmationMail(ctx, sending, list, 'family', t).attachments![0]!.content);
      expect(ics).toContain(`DTSTART;TZID=${ZONE}:20261130T174000`);
    }
  });

  it('name the interpreter’s language, in the family’s, for the meeting that has one (confirmed, changed, reminder, .ics)', () => {
    for (const locale of locales) {
      const t = translatorFor(locale);
      const polish = new Intl.DisplayNames([t.tag], { type: 'language' }).of('pl')!;
      const said = t.m.mail_interpreter({ language: polish });
      for (const mail of [
        confirmationMail(ctx, sending, list, 'family', t),
        changeMail(ctx, sending, [list[0]!], list, 'staff', t),
        reminderMail(ctx, sending, list, t),
      ]) {
        // Under the first meeting only: once in the text and once in the HTML for each list showing it.
        const lists = mail.text.split(said).length - 1;
        expect(lists, `${locale}: ${mail.subject}`).toBeGreaterThan(0);
        expect(mail.html.split(escapeHtml(said)).length - 1).toBe(lists);
        const ics = ICAL.parse(String(mail.attachments![0]!.content));
        const [first, second] = new ICAL.Component(ics)
          .getAllSubcomponents('vevent')
          .map((v) => new ICAL.Event(v).description.split('\n'));
        expect(first).toContain(t.m.ics_interpreter({ language: polish }));
        expect(second!.some((line) => line.includes(polish))).toBe(false);
      }
    }
    const cy = translatorFor('cy');
    expect(reminderMail(ctx, sending, list, cy).text).toContain(
      `    ${cy.m.mail_interpreter({ language: 'Pwyleg' })}`,
    );
    // British Sign Language has no name in Intl: its name is the message.
    const bsl = confirmationMail(ctx, sending, [appt('c', '2026-11-30T17:40', 'Lab 2', 'bfi')], 'family', cy);
    expect(bsl.text).toContain(cy.m.mail_interpreter({ language: cy.m.interpreter_language_bfi() }));
  });

  it('let no English through in the pseudo-locale: every line that is not data is a message', () => {
    const t = pseudoTranslator();
    // Data: names, the school's words, formatted days and times, links, the secret layout.
    const data = new Set([
      'Okafor',
      'Hillside School',
      'Lab 2',
      'Ada Okafor',
      'Ms Khan',
      '--',
      'Monday 30 November 2026',
    ]);
    const isData = (line: string) =>
      data.has(line) || /^\d\d:\d\d(–\d\d:\d\d)?$/.test(line) || /^https?:\/\//.test(line);
    for (const mail of everyMail(t)) {
      expect(mail.subject, mail.subject).toContain('⟦');
      for (const line of mail.text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean))
        expect(isData(line) || line.includes('⟦'), `${mail.subject}: "${line}"`).toBe(true);
      for (const node of textNodes(mail.html))
        expect(isData(node) || node.includes('⟦'), `${mail.subject} (HTML): "${node}"`).toBe(true);
    }
    for (const mail of everyMail(t).filter((m) => m.attachments?.length)) {
      const lines = icsLines(String(mail.attachments![0]!.content));
      const texts = lines.filter((l) => /^(SUMMARY|DESCRIPTION|X-WR-CALNAME):/.test(l));
      expect(texts.length).toBeGreaterThan(2);
      for (const line of texts) {
        const value = line.slice(line.indexOf(':') + 1);
        // DESCRIPTION is several messages joined by \n: each one pseudo-text.
        for (const part of value.split('\\n')) expect(part, line).toContain('⟦');
      }
      // LOCATION is the room: data.
      expect(lines.filter((l) => l.startsWith('LOCATION:'))).toEqual(['LOCATION:Lab 2']);
    }
  });

  it('keep English as it was', () => {
    const [confirmed] = everyMail(translatorFor('en'));
    expect(confirmed!.subject).toBe('Your appointments: Year 9 evening (Hillside School)');
    expect(confirmed!.text).toContain('Dear Okafor family,');
    expect(confirmed!.text).toContain('  17:40–17:45  Ms Khan (Chemistry), Lab 2 (for Ada Okafor)');
    expect(confirmed!.text).toContain(
      '  17:40–17:45  Ms Khan (Chemistry), Lab 2 (for Ada Okafor)\n    An interpreter for Polish will join you.\n  18:05–18:10  Ms Khan (Chemistry) (for Ada Okafor)',
    );
    expect(confirmed!.text).toContain('As of 16:42 on Friday 20 November 2026, when this message was sent.');
    const cancelled = cancellationMail(ctx, sending, list, [], 'staff', translatorFor('en'));
    expect(cancelled.text).toContain('Hillside School has cancelled 2 appointments at Year 9 evening.');
  });
});

describe('access-code letters', () => {
  it('are each in the family’s language, with the English letter below for the office when not English', () => {
    const code = (surname: string, language: string | null) => ({
      familyId: surname,
      surname,
      email: null,
      language,
      accessCode: 'ABCDE-23456',
      mailId: null,
    });
    const html = lettersPage(
      { name: 'Hillside School', code: 'HILL' },
      'https://confer.example',
      [code('Okafor', 'ur'), code('Smith', null)],
      (language) => translatorFor(language),
    );
    const [urdu, english] = html.split('<section class="page">').slice(1);
    const ur = translatorFor('ur');
    expect(urdu).toContain('<div lang="ur" dir="rtl">');
    expect(urdu).toContain(ur.m.letter_heading());
    expect(urdu).toContain(ur.m.mail_dear_family({ surname: 'Okafor' }));
    expect(urdu).toContain('<div lang="en-GB" dir="ltr" class="note">');
    expect(english).toContain('<div lang="en-GB" dir="ltr">');
    expect(english).not.toContain('class="note">\n<p>Hillside School');
    expect(english).toContain('Parents&#39; evening bookings: your access code');
    expect(english?.match(/Dear Smith family,/g)).toHaveLength(1);
  });
});

describe('the pages a family opens, in its language', () => {
  async function page(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${app.url}${path}`, { headers });
    expect(res.status).toBe(200);
    return res.text();
  }

  it('privacy in Arabic by ?lang=: lang and dir on <html>, the Arabic messages, links to the other languages', async () => {
    const html = await page('/privacy?lang=ar');
    expect(html).toMatch(/<html lang="ar" dir="rtl">/);
    expect(html).toContain(`<title>${translatorFor('ar').m.privacy_title()}</title>`);
    expect(html).toContain('href="/privacy?lang=cy"');
    expect(html).not.toContain('href="/privacy?lang=ar"');
  });

  it('Accept-Language picks the first language we offer; none we offer gives English', async () => {
    expect(await page('/privacy', { 'accept-language': 'fr-FR, pl;q=0.8, en;q=0.5' })).toMatch(
      /<html lang="pl" dir="ltr">/,
    );
    expect(await page('/feedback', { 'accept-language': 'ur-PK' })).toMatch(/<html lang="ur" dir="rtl">/);
    expect(await page('/privacy', { 'accept-language': 'fr, de' })).toMatch(/<html lang="en-GB" dir="ltr">/);
    // The link's choice wins over the browser's.
    expect(await page('/feedback/status?lang=cy', { 'accept-language': 'pl' })).toMatch(/<html lang="cy"/);
  });

  it('keeps the language through a form: the feedback form carries it to its answer', async () => {
    const form = await page('/feedback?lang=bn');
    expect(form).toContain('<input type="hidden" name="lang" value="bn">');
    const res = await fetch(`${app.url}/feedback/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lang=bn&reference=nonsense&secret=x',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<html lang="bn" dir="ltr">/);
  });
});
