import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { escapeHtml } from '../../server/src/features/mail/templates/layout.ts';
import { translatorFor } from '../../server/src/i18n/translator.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

// Issue 18, what the family is told: each of its meetings that holds an interpreter says
// so, by the interpreter's language and never their name, in the hold's and the
// confirmation's answers, its appointments (/bookings/mine), its mail and its calendar
// file, in the family's own language.
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
const INTERPRETER = 'Oleńka Interpreterska';
let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;
let school: SeededSchool;
let admin: string;

interface Family {
  index: number;
  id: string;
  email: string;
  token: string;
  child: string;
  teacher: string;
}
/** The family that needs a Polish interpreter and reads Welsh; one that needs none; the other family of the first's child. */
let needs: Family;
let other: Family;
let coParent: Family;

const api = (method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>) =>
  app.api(method, `/api/v1${path}`, { token, body, headers });

async function family(index: number): Promise<Family> {
  const f = school.families[index]!;
  const child = f.studentIds[0]!;
  return {
    index,
    id: f.id,
    email: f.email!,
    token: await loginFamily(app, school, index),
    child,
    teacher: school.students.find((s) => s.id === child)!.teacherIds[0]!,
  };
}

const slotAt = async (teacherId: string, at: string) =>
  (
    await app.db.query<{ id: string }>(
      `SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2
          AND to_char(starts_at AT TIME ZONE $3, 'HH24:MI') = $4`,
      [school.eventId, teacherId, ZONE, at],
    )
  ).rows[0]!.id;

const mailsTo = (address: string): ParsedMail[] =>
  smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

const descriptions = (ics: string) =>
  new ICAL.Component(ICAL.parse(ics))
    .getAllSubcomponents('vevent')
    .map((v) => new ICAL.Event(v).description.split('\n'));

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, {
    code: 'INTBKV',
    teachers: 2,
    families: 8,
    teachersPerStudent: 2,
    siblingShare: 0,
    timeZone: ZONE,
    eveningDate: evening,
    slotMinutes: 10,
    from: '16:00',
    to: '16:40',
  });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
  admin = await loginStaff(app, school.admin.email);
  const withMail = school.families.map((f, i) => (f.email ? i : -1)).filter((i) => i >= 0);
  expect(withMail.length).toBeGreaterThanOrEqual(3);
  needs = await family(withMail[0]!);
  other = await family(withMail[1]!);
  // The child's other family (separated parents; the event is joint, the default).
  const linked = await api('POST', `/admin/families/${school.families[withMail[2]!]!.id}/students`, admin, {
    studentId: needs.child,
  });
  expect(linked.status, JSON.stringify(linked.body)).toBe(200);
  coParent = await family(withMail[2]!);

  const made = await api('POST', '/admin/interpreters', admin, { name: INTERPRETER, languages: ['pl'] });
  expect(made.status).toBe(200);
  const windows = await api(
    'PUT',
    `/admin/events/${school.eventId}/interpreters/${made.body.id}/windows`,
    admin,
    { windows: [{ date: evening, from: '16:00', to: '16:40' }] },
  );
  expect(windows.status).toBe(200);
  const set = await api('PUT', `/admin/families/${needs.id}/interpreter`, admin, { language: 'pl' });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  await app.db.query(`UPDATE families SET language = 'cy' WHERE id = $1`, [needs.id]);
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

describe('a family is told which of its meetings an interpreter joins', () => {
  it('the hold, its replay, the confirmation and /bookings/mine carry the language; null for a family without a need', async () => {
    const key = { 'idempotency-key': 'interpreter-view-hold-1' };
    const body = { slotId: await slotAt(needs.teacher, '16:00'), studentId: needs.child };
    const held = await api('POST', '/holds', needs.token, body, key);
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body.interpreterLanguage).toBe('pl');
    // The stored answer says the same when the request is repeated.
    const again = await api('POST', '/holds', needs.token, body, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(held.body);

    const mineHeld = await api('GET', `/events/${school.eventId}/bookings/mine`, needs.token);
    expect(mineHeld.body.bookings).toEqual([
      expect.objectContaining({ id: held.body.id, interpreterLanguage: 'pl' }),
    ]);

    const otherHeld = await api('POST', '/holds', other.token, {
      slotId: await slotAt(other.teacher, '16:10'),
      studentId: other.child,
    });
    expect(otherHeld.status, JSON.stringify(otherHeld.body)).toBe(200);
    expect(otherHeld.body.interpreterLanguage).toBeNull();

    const confirmed = await api('POST', '/holds/confirm', needs.token, {
      eventId: school.eventId,
      holdIds: [held.body.id],
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.bookings).toEqual([
      expect.objectContaining({ id: held.body.id, status: 'confirmed', interpreterLanguage: 'pl' }),
    ]);
    const otherConfirmed = await api('POST', '/holds/confirm', other.token, {
      eventId: school.eventId,
      holdIds: [otherHeld.body.id],
    });
    expect(otherConfirmed.status).toBe(200);
    expect(otherConfirmed.body.bookings[0].interpreterLanguage).toBeNull();

    const mine = await api('GET', `/events/${school.eventId}/bookings/mine`, needs.token);
    expect(mine.body.bookings.map((b: { interpreterLanguage: unknown }) => b.interpreterLanguage)).toEqual([
      'pl',
    ]);
    const theirs = await api('GET', `/events/${school.eventId}/bookings/mine`, other.token);
    expect(theirs.body.bookings).toHaveLength(1);
    expect(theirs.body.bookings[0].interpreterLanguage).toBeNull();
    // The language, never who: the interpreter's name is in no answer a family gets.
    for (const answer of [held, confirmed, mine]) expect(JSON.stringify(answer.body)).not.toContain('Oleńka');
  });

  it('the child’s other family sees the shared appointment, but not the first family’s need', async () => {
    const shared = await api('GET', `/events/${school.eventId}/bookings/mine`, coParent.token);
    expect(shared.status).toBe(200);
    const [booking] = shared.body.bookings.filter((b: { studentId: string }) => b.studentId === needs.child);
    expect(booking).toMatchObject({ familyId: needs.id, interpreterLanguage: null });
  });

  it('the Welsh family’s confirmation mail and calendar file name the interpreter’s language in Welsh; the other family’s say nothing of one', async () => {
    await expect.poll(() => mailsTo(needs.email).length, { timeout: 20_000 }).toBe(1);
    await expect.poll(() => mailsTo(other.email).length, { timeout: 20_000 }).toBe(1);
    const cy = translatorFor('cy');
    const mail = mailsTo(needs.email)[0]!;
    expect(mail.html).toMatch(/<html lang="cy" dir="ltr">/);
    const said = cy.m.mail_interpreter({ language: 'Pwyleg' });
    expect(said).toContain('Pwyleg');
    expect(mail.text).toContain(said);
    expect(mail.html).toContain(escapeHtml(said));
    expect(mail.text).not.toContain('Oleńka');
    const file = mail.attachments.find((a) => a.contentType === 'text/calendar')!;
    expect(descriptions(file.content.toString('utf8'))[0]).toContain(
      cy.m.ics_interpreter({ language: 'Pwyleg' }),
    );

    // The family's own download is the same file.
    const download = await api('GET', `/events/${school.eventId}/calendar.ics`, needs.token);
    expect(download.status).toBe(200);
    expect(descriptions(String(download.body))[0]).toContain(cy.m.ics_interpreter({ language: 'Pwyleg' }));

    const english = mailsTo(other.email)[0]!;
    expect(english.text).not.toMatch(/interpreter/i);
    const otherFile = english.attachments.find((a) => a.contentType === 'text/calendar')!;
    expect(otherFile.content.toString('utf8')).not.toMatch(/interpreter/i);
  });

  it('a cancelled meeting holds no interpreter any more, and says so', async () => {
    const [booking] = (await api('GET', `/events/${school.eventId}/bookings/mine`, needs.token)).body
      .bookings;
    const cancelled = await api('POST', `/bookings/${booking.id}/cancel`, needs.token);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', interpreterLanguage: null });
  });
});
