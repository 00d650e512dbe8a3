import { Queue } from 'bullmq';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

// Issue 18: an interpreter's schedule by mail, through the e-mail queue and the real
// worker to an in-process SMTP server: the meetings as they stand when it is sent, a
// calendar file of them read back with ical.js, and the one-time sign-in link that
// opens the interpreter's own timeline.
const ZONE = 'Europe/London';
const evening = `${DateTime.now().setZone(ZONE).year + 1}-11-30`;
const ADDRESS = 'mira@interpreters.example.org';
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let emailQueue: Queue<EmailJob>;
let admin: string;
let interpreterId: string;
let teacherName: string;

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

function mailsTo(address: string): ParsedMail[] {
  return smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
}

/** Waits for the e-mail job of the newest link of this interpreter. */
async function mailedJob(forInterpreter: string) {
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM interpreter_links WHERE interpreter_id = $1 ORDER BY created_at DESC LIMIT 1',
    [forInterpreter],
  );
  const job: EmailJob = {
    kind: 'interpreter-schedule',
    eventId: school.eventId,
    interpreterId: forInterpreter,
    linkId: rows[0]!.id,
  };
  return settled(emailQueue, emailKey(job));
}

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp(
    { EMAIL_BACKOFF_MS: '100', LOGIN_ATTEMPTS_PER_ADDRESS: '100000' },
    { hooks: workerHooks },
  );
  school = await seedSmallSchool(app, {
    code: 'INTMAIL',
    timeZone: ZONE,
    eveningDate: evening,
    teachers: 2,
    families: 3,
    teachersPerStudent: 2,
    siblingShare: 0,
    slotMinutes: 10,
    from: '16:00',
    to: '17:00',
  });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
  admin = await loginStaff(app, school.admin.email);
  const made = await api('POST', '/admin/interpreters', admin, {
    name: 'Mira Kowalska',
    languages: ['pl'],
    email: ADDRESS,
  });
  interpreterId = made.body.id;
  await api('PUT', `/admin/events/${school.eventId}/interpreters/${interpreterId}/windows`, admin, {
    windows: [{ date: evening, from: '16:00', to: '17:00' }],
  });
  await api('PUT', `/admin/families/${school.families[1]!.id}/interpreter`, admin, { language: 'pl' });
  const family = await loginFamily(app, school, 1);
  const studentId = school.families[1]!.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await api('GET', `/events/${school.eventId}/availability`, family);
  const slot = snap.body.slots.find(
    (s: { teacherId: string; state: string; startsAt: string }) =>
      s.teacherId === teacherId && s.state === 'free',
  );
  const held = await api('POST', '/holds', family, { slotId: slot.id, studentId });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const confirmed = await api('POST', '/holds/confirm', family, {
    eventId: school.eventId,
    holdIds: [held.body.id],
  });
  expect(confirmed.status).toBe(200);
  teacherName = snap.body.teachers.find((t: { id: string }) => t.id === teacherId).displayName;
});
afterAll(async () => {
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

describe('an interpreter’s schedule by mail', () => {
  it('lists the meetings, attaches them as a calendar, and carries a link that signs in once', async () => {
    const queued = await api(
      'POST',
      `/admin/events/${school.eventId}/interpreters/${interpreterId}/schedule-mail`,
      admin,
    );
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    expect(queued.body.interpreterId).toBe(interpreterId);
    const { state, job } = await mailedJob(interpreterId);
    expect(state).toBe('completed');
    expect(job.returnvalue).toBe('sent');
    const [mail] = mailsTo(ADDRESS);
    expect(mail).toBeDefined();
    const { rows: named } = await app.db.query('SELECT name FROM events WHERE id = $1', [school.eventId]);
    expect(mail!.subject).toBe(`Your interpreting schedule: ${named[0].name}`);
    const surname = school.families[1]!.surname;
    expect(mail!.text).toContain('Dear Mira Kowalska,');
    expect(mail!.text).toContain('in 1 meeting:');
    expect(mail!.text).toContain(`${teacherName} and the ${surname} family (pl)`);
    expect(mail!.html).toContain('lang="en-GB"');
    // The calendar file: one meeting, at school time.
    const ics = mail!.attachments.find((a) => a.contentType === 'text/calendar');
    expect(ics).toBeDefined();
    const cal = new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')));
    const events = cal.getAllSubcomponents('vevent');
    expect(events).toHaveLength(1);
    const ev = new ICAL.Event(events[0]!);
    expect(ev.summary).toBe(`Interpreting (pl): ${teacherName} and the ${surname} family`);
    expect(events[0]!.getFirstProperty('dtstart')!.getParameter('tzid')).toBe(ZONE);
    expect(ev.startDate.toString().slice(0, 10)).toBe(evening);
    // The link: once, into the interpreter's own session.
    const url = /https?:\/\/\S+\/interpreter\?token=([\w%-]+)/.exec(mail!.text ?? '');
    expect(url).not.toBeNull();
    const token = decodeURIComponent(url![1]!);
    const signedIn = await api('POST', '/auth/interpreter/login', undefined, { token });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    const own = await api('GET', '/interpreter/schedule', signedIn.body.token);
    expect(own.body.meetings).toHaveLength(1);
    expect((await api('POST', '/auth/interpreter/login', undefined, { token })).status).toBe(401);
    // Once mailed, the sealed copy of the token is gone.
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM interpreter_links WHERE interpreter_id = $1 AND token_sealed IS NOT NULL',
      [interpreterId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('mails every interpreter with an address, names those without, and refuses one without', async () => {
    const silent = await api('POST', '/admin/interpreters', admin, { name: 'No Address', languages: ['ro'] });
    const refused = await api(
      'POST',
      `/admin/events/${school.eventId}/interpreters/${silent.body.id}/schedule-mail`,
      admin,
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_input');
    const before = mailsTo(ADDRESS).length;
    const all = await api('POST', `/admin/events/${school.eventId}/interpreters/schedule-mail`, admin);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.queued.map((q: { interpreterId: string }) => q.interpreterId)).toEqual([interpreterId]);
    expect(all.body.withoutEmail).toEqual([{ interpreterId: silent.body.id, name: 'No Address' }]);
    expect((await mailedJob(interpreterId)).job.returnvalue).toBe('sent');
    expect(mailsTo(ADDRESS)).toHaveLength(before + 1);
  });

  it('does not mail a link retired by a newer one before it went out', async () => {
    // Two mails queued back to back: whichever is sent first, only the newest link works,
    // and a job whose link was retired before it was sent sends nothing.
    await workers.close();
    const before = mailsTo(ADDRESS).length;
    const path = `/admin/events/${school.eventId}/interpreters/${interpreterId}/schedule-mail`;
    expect((await api('POST', path, admin)).status).toBe(200);
    const { rows: first } = await app.db.query<{ id: string }>(
      'SELECT id FROM interpreter_links WHERE interpreter_id = $1 ORDER BY created_at DESC LIMIT 1',
      [interpreterId],
    );
    expect((await api('POST', path, admin)).status).toBe(200);
    workers = await startTestWorkers(app, {
      smtpUrl: smtp.url,
      only: ['email'],
      env: { PUBLIC_URL: app.url },
    });
    const retired: EmailJob = {
      kind: 'interpreter-schedule',
      eventId: school.eventId,
      interpreterId,
      linkId: first[0]!.id,
    };
    expect((await settled(emailQueue, emailKey(retired))).job.returnvalue).toBe('nothing_to_send');
    expect((await mailedJob(interpreterId)).job.returnvalue).toBe('sent');
    expect(mailsTo(ADDRESS)).toHaveLength(before + 1);
  });
});
