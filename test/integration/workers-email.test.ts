import { Queue } from 'bullmq';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { Attachment, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { enqueueEmails } from '../../server/src/features/mail/mail-queue.ts';
import { issueStaffLink } from '../../server/src/features/staff/staff-links.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

const ZONE = 'Europe/London';
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let emailQueue: Queue<EmailJob>;
// A summer evening: British Summer Time, an hour off UTC and far off the tests' own zone.
const evening = `${DateTime.now().setZone(ZONE).year + 1}-07-01`;
const retry = { attempts: 3, backoffMs: 100 };

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { timeZone: ZONE, eveningDate: evening });
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['email', 'mail-schedule'],
    env: { PUBLIC_URL: app.url },
  });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

const familyWith = (hasEmail: boolean) => school.families.findIndex((f) => (f.email !== null) === hasEmail);

/** Holds and confirms one slot with each of the first `n` teachers of the family's first child. */
async function book(familyIndex: number, n: number, staffToken?: string) {
  const fam = school.families[familyIndex]!;
  const token = staffToken ?? (await loginFamily(app, school, familyIndex));
  const studentId = fam.studentIds[0]!;
  const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds.slice(0, n);
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const slots = snap.body.slots as { id: string; teacherId: string; state: string; startsAt: string }[];
  const holdIds: string[] = [];
  for (const [i, teacherId] of teacherIds.entries()) {
    // Different times, so the family is never in two places at once.
    const slot = slots.filter((s) => s.teacherId === teacherId && s.state === 'free')[i * 3]!;
    const body = staffToken
      ? { slotId: slot.id, studentId, familyId: fam.id }
      : { slotId: slot.id, studentId };
    const held = await app.api('POST', '/api/v1/holds', { token, body });
    expect(held.status).toBe(200);
    holdIds.push(held.body.id);
  }
  const confirmBody = staffToken
    ? { eventId: school.eventId, holdIds, familyId: fam.id }
    : { eventId: school.eventId, holdIds };
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', { token, body: confirmBody });
  expect(confirmed.status).toBe(200);
  return {
    token,
    bookings: confirmed.body.bookings as {
      id: string;
      startsAt: string;
      teacherName: string;
      room: string;
    }[],
  };
}

function mailsTo(address: string): ParsedMail[] {
  return smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
}

function icsOf(mail: ParsedMail, name: string): string {
  const a = mail.attachments.find((x: Attachment) => x.filename === name);
  expect(a, `attachment ${name}`).toBeDefined();
  return a!.content.toString('utf8');
}

function parseEvents(ics: string) {
  const cal = new ICAL.Component(ICAL.parse(ics));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  return new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

describe('e-mail worker', () => {
  it('sends the confirmation with text, HTML and an .ics at the right instants in the school zone', async () => {
    const index = familyWith(true);
    const address = school.families[index]!.email!;
    const { bookings } = await book(index, 2);
    await expect.poll(() => mailsTo(address).length, { timeout: 15_000 }).toBe(1);
    const mail = mailsTo(address)[0]!;
    expect(mail.subject).toContain('Your appointments');
    expect(mail.text).toBeTruthy();
    expect(mail.html).toBeTruthy();
    // No tracking pixels, no remote resources.
    expect(mail.html as string).not.toMatch(/<img|src=|url\(/i);
    for (const b of bookings) {
      const local = DateTime.fromISO(b.startsAt).setZone(ZONE).toFormat('HH:mm');
      expect(mail.text).toContain(local);
      expect(mail.text).toContain(b.teacherName);
      expect(mail.html as string).toContain(local);
    }
    const events = parseEvents(icsOf(mail, 'appointments.ics'));
    expect(events).toHaveLength(2);
    const byUid = new Map(events.map((e) => [e.uid, e]));
    for (const b of bookings) {
      const e = byUid.get(`${b.id}@confer`)!;
      expect(e.startDate.zone?.tzid).toBe(ZONE);
      expect(e.startDate.toJSDate().toISOString()).toBe(new Date(b.startsAt).toISOString());
      // Wall-clock time as the school means it (BST in July).
      expect(e.startDate.toString().slice(11, 16)).toBe(
        DateTime.fromISO(b.startsAt).setZone(ZONE).toFormat('HH:mm'),
      );
      expect(e.location).toBe(b.room);
      expect(e.summary).toContain(b.teacherName);
    }
    // The sent-log row commits just after the SMTP server's "250 OK", so it may trail the mail.
    await expect
      .poll(
        async () =>
          (await app.db.query('SELECT kind, recipient FROM email_log WHERE recipient = $1', [address])).rows,
        { timeout: 10_000 },
      )
      .toEqual([{ kind: 'booking-confirmed', recipient: address }]);
  });

  it('sends a cancellation notice when staff cancel, and nothing to a family without an address', async () => {
    const adminToken = await loginStaff(app, school.admin.email);
    const withMail =
      familyWith(true) + 1 + school.families.slice(familyWith(true) + 1).findIndex((f) => f.email);
    const address = school.families[withMail]!.email!;
    const { bookings } = await book(withMail, 1, adminToken);
    await expect.poll(() => mailsTo(address).length, { timeout: 15_000 }).toBe(1);
    expect(mailsTo(address)[0]!.text).toContain('has booked appointments for you');
    const cancelled = await app.api('POST', `/api/v1/bookings/${bookings[0]!.id}/cancel`, {
      token: adminToken,
    });
    expect(cancelled.status).toBe(200);
    await expect.poll(() => mailsTo(address).length, { timeout: 15_000 }).toBe(2);
    const notice = mailsTo(address)[1]!;
    expect(notice.subject).toContain('cancelled');
    expect(notice.text).toContain('has cancelled');
    const ics = icsOf(notice, 'cancelled.ics');
    expect(ics).toContain('METHOD:CANCEL');
    expect(parseEvents(ics)[0]!.uid).toBe(`${bookings[0]!.id}@confer`);

    const before = smtp.messages.length;
    const without = familyWith(false);
    expect(without).toBeGreaterThanOrEqual(0);
    const { bookings: quiet } = await book(without, 1);
    const key = emailKey({
      kind: 'booking-confirmed',
      eventId: school.eventId,
      familyId: school.families[without]!.id,
      bookingIds: [quiet[0]!.id],
      by: 'family',
    });
    const { job, state } = await settled(emailQueue, key);
    expect(state).toBe('completed');
    expect(job.returnvalue).toBe('no_recipient');
    expect(smtp.messages.length).toBe(before);
  });

  it('sends staff invitations and password resets with their link, once per request', async () => {
    const teacher = school.teachers[0]!;
    const key = serverKeys(app.config.SERVER_SECRET).mailSeal;
    const inv = await issueStaffLink(app.db, teacher.id, 'invite', 3_600_000, key);
    const res = await issueStaffLink(app.db, teacher.id, 'reset', 3_600_000, key);
    const jobs: EmailJob[] = [
      { kind: 'staff-invitation', staffId: teacher.id, inviteId: inv.linkId },
      { kind: 'staff-invitation', staffId: teacher.id, inviteId: inv.linkId },
      { kind: 'password-reset', staffId: teacher.id, requestId: res.linkId },
    ];
    await enqueueEmails(emailQueue, jobs, retry);
    await expect.poll(() => mailsTo(teacher.email).length, { timeout: 15_000 }).toBe(2);
    const [invite, reset] = [...mailsTo(teacher.email)].sort((a, b) => (a.subject! < b.subject! ? 1 : -1));
    expect(invite!.subject).toContain('invited');
    expect(invite!.text).toContain(`${app.url}/account/password?token=${inv.token}`);
    expect(reset!.subject).toContain('Reset');
    expect(reset!.text).toContain(`${app.url}/account/password?token=${res.token}`);
  });

  it('reminds a family ahead of its first appointment, once', async () => {
    const index = familyWith(true);
    const address = school.families[index]!.email!;
    // Booked long ago, first appointment within the reminder window (24 h by default → widen it).
    await app.db.query(`UPDATE bookings SET confirmed_at = now() - interval '60 days' WHERE family_id = $1`, [
      school.families[index]!.id,
    ]);
    const sweep = new Queue(QUEUES.mailSchedule, {
      connection: app.redis,
      prefix: bullPrefix(app.config.REDIS_PREFIX),
    });
    try {
      const hoursAway = (new Date(`${evening}T23:00:00Z`).getTime() - Date.now()) / 3600_000;
      await workers.close();
      workers = await startTestWorkers(app, {
        smtpUrl: smtp.url,
        only: ['email', 'mail-schedule'],
        env: { PUBLIC_URL: app.url, REMINDER_HOURS_BEFORE: Math.ceil(hoursAway) },
      });
      for (const id of ['sweep-1', 'sweep-2']) {
        await sweep.add('sweep', {}, { jobId: id });
        await settled(sweep, id);
      }
      await expect
        .poll(() => mailsTo(address).filter((m) => m.subject?.startsWith('Reminder')).length, {
          timeout: 15_000,
        })
        .toBe(1);
      const reminder = mailsTo(address).find((m) => m.subject?.startsWith('Reminder'))!;
      expect(reminder.attachments.some((a) => a.filename === 'appointments.ics')).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(mailsTo(address).filter((m) => m.subject?.startsWith('Reminder')).length).toBe(1);
    } finally {
      await sweep.close();
    }
  });
});
