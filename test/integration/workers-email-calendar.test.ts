import { Queue } from 'bullmq';
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { Attachment, ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { fromAddress } from '../../server/src/features/mail/calendar.ts';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * Issue 14, "What families receive": every calendar file a family gets (the mails'
 * attachments and the download) comes from one writer and is read back with a real
 * parser (ical.js); and a family's mails, in the order they arrive, never describe an
 * older state than one before them, even when SMTP was down or slow meanwhile.
 */

const ZONE = 'Europe/London';
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let emailQueue: Queue<EmailJob>;
// A winter evening: GMT, while the tests themselves run in Pacific/Chatham.
const evening = `${DateTime.now().setZone(ZONE).year + 1}-11-30`;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100', EMAIL_ATTEMPTS: '12' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { timeZone: ZONE, eveningDate: evening });
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['email'],
    env: { PUBLIC_URL: app.url },
  });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  smtp.refuse = false;
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

// Each test takes its own family with an address: their mails do not mix.
let nextFamily = 0;
function takeFamily(): { index: number; address: string; id: string } {
  while (nextFamily < school.families.length) {
    const index = nextFamily++;
    const f = school.families[index]!;
    if (f.email) return { index, address: f.email, id: f.id };
  }
  throw new Error('no family with an e-mail address left');
}

interface Slot {
  id: string;
  teacherId: string;
  state: string;
  startsAt: string;
}

async function freeSlots(token: string): Promise<Slot[]> {
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  expect(snap.status).toBe(200);
  return (snap.body.slots as Slot[]).filter((s) => s.state === 'free');
}

/** Holds and confirms one slot with the first teacher of the family's first child. */
async function bookOne(familyIndex: number) {
  const fam = school.families[familyIndex]!;
  const token = await loginFamily(app, school, familyIndex);
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const slot = (await freeSlots(token)).filter((s) => s.teacherId === teacherId)[2]!;
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
  expect(held.status).toBe(200);
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: school.eventId, holdIds: [held.body.id] },
  });
  expect(confirmed.status).toBe(200);
  const booking = confirmed.body.bookings[0] as { id: string; startsAt: string };
  return { token, teacherId, booking };
}

/** Moves the booking to another free time with the same teacher (the family's "Change"). */
async function move(token: string, bookingId: string, teacherId: string, after: string) {
  const target = (await freeSlots(token)).find((s) => s.teacherId === teacherId && s.startsAt > after)!;
  const moved = await app.api('POST', `/api/v1/bookings/${bookingId}/move`, {
    token,
    body: { slotId: target.id },
  });
  expect(moved.status).toBe(200);
  return target.startsAt;
}

function mailsTo(address: string): ParsedMail[] {
  return smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);
}

function calendarOf(mail: ParsedMail): string {
  const files = mail.attachments.filter((a: Attachment) => a.contentType === 'text/calendar');
  expect(files, `one calendar file in "${mail.subject}"`).toHaveLength(1);
  return files[0]!.content.toString('utf8');
}

interface ParsedCalendar {
  method: string;
  timezones: string[];
  events: {
    uid: string;
    sequence: number;
    status: string;
    dtstamp: string;
    organizer: string;
    start: Date;
    /** The wall-clock start as written, in its own zone. */
    startLocal: string;
    startZone: string | undefined;
  }[];
}

/** Reads an .ics as a calendar app would: with its own VTIMEZONEs only. */
function parseCalendar(ics: string): ParsedCalendar {
  const cal = new ICAL.Component(ICAL.parse(ics));
  const timezones = cal.getAllSubcomponents('vtimezone');
  for (const tz of timezones) ICAL.TimezoneService.register(tz);
  const again = new ICAL.Component(ICAL.parse(ics));
  return {
    method: String(again.getFirstPropertyValue('method')),
    timezones: timezones.map((tz) => String(tz.getFirstPropertyValue('tzid'))),
    events: again.getAllSubcomponents('vevent').map((v) => {
      const e = new ICAL.Event(v);
      return {
        uid: e.uid,
        sequence: e.sequence,
        status: String(v.getFirstPropertyValue('status')),
        dtstamp: v.getFirstProperty('dtstamp')!.toICALString(),
        organizer: String(v.getFirstPropertyValue('organizer')),
        start: e.startDate.toJSDate(),
        startLocal: e.startDate.toString().slice(11, 16),
        startZone: e.startDate.zone?.tzid,
      };
    }),
  };
}

async function download(token: string) {
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/calendar.ics`, { token });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w.-]+\.ics"$/);
  return parseCalendar(String(res.body));
}

/** The booking as the database has it now: its start and its slot's version. */
async function current(bookingId: string) {
  const { rows } = await app.db.query<{ starts_at: Date; status: string; version: string }>(
    `SELECT b.starts_at, b.status, s.version FROM bookings b JOIN slots s ON s.id = b.slot_id WHERE b.id = $1`,
    [bookingId],
  );
  return { startsAt: rows[0]!.starts_at, status: rows[0]!.status, sequence: Number(rows[0]!.version) };
}

const organizer = () => `mailto:${fromAddress(app.config.MAIL_FROM)}`;

/** Every calendar property the issue names, on every VEVENT of a file. */
function expectWellFormed(cal: ParsedCalendar) {
  expect(cal.timezones).toEqual([ZONE]);
  for (const e of cal.events) {
    expect(e.dtstamp).toMatch(/^DTSTAMP:\d{8}T\d{6}Z$/);
    expect(e.organizer).toBe(organizer());
    expect(e.startZone).toBe(ZONE);
    expect(Number.isInteger(e.sequence)).toBe(true);
  }
}

/**
 * The family's mails in the order they arrived: for each appointment, the state each
 * mail's calendar file gave it. A later mail never carries an older state.
 */
function expectNoOlderStateAfterNewer(mails: ParsedMail[]) {
  const seen = new Map<string, { sequence: number; subject: string }>();
  for (const mail of mails) {
    for (const e of parseCalendar(calendarOf(mail)).events) {
      const before = seen.get(e.uid);
      if (before)
        expect(
          e.sequence,
          `"${mail.subject}" carries ${e.uid} at SEQUENCE ${e.sequence} after "${before.subject}" carried ${before.sequence}`,
        ).toBeGreaterThanOrEqual(before.sequence);
      seen.set(e.uid, { sequence: e.sequence, subject: mail.subject ?? '' });
    }
  }
}

describe("a family's calendar files", () => {
  it('are one writer’s: the mails and the download carry the same UID and SEQUENCE, DTSTAMP in UTC, the school as ORGANIZER, a VTIMEZONE, and a rising SEQUENCE through a change and a cancellation', async () => {
    const fam = takeFamily();
    const { token, teacherId, booking } = await bookOne(fam.index);
    const uid = `${booking.id}@confer`;

    await expect.poll(() => mailsTo(fam.address).length, { timeout: 15_000 }).toBe(1);
    const confirmation = mailsTo(fam.address)[0]!;
    const mailed = parseCalendar(calendarOf(confirmation));
    expect(mailed.method).toBe('PUBLISH');
    expectWellFormed(mailed);
    const downloaded = await download(token);
    expect(downloaded.method).toBe('PUBLISH');
    expectWellFormed(downloaded);
    // The same appointment in the same state: the same entry, the same version.
    expect(mailed.events.map((e) => [e.uid, e.sequence])).toEqual([
      [uid, (await current(booking.id)).sequence],
    ]);
    expect(downloaded.events.map((e) => [e.uid, e.sequence])).toEqual(
      mailed.events.map((e) => [e.uid, e.sequence]),
    );
    // At the right instant, written as the school's wall-clock time (GMT in November).
    expect(downloaded.events[0]!.start.toISOString()).toBe(new Date(booking.startsAt).toISOString());
    expect(downloaded.events[0]!.startLocal).toBe(
      DateTime.fromISO(booking.startsAt).setZone(ZONE).toFormat('HH:mm'),
    );

    const newStart = await move(token, booking.id, teacherId, booking.startsAt);
    await expect.poll(() => mailsTo(fam.address).length, { timeout: 15_000 }).toBe(2);
    const change = mailsTo(fam.address)[1]!;
    expect(change.subject).toContain('changed');
    const changed = parseCalendar(calendarOf(change));
    expectWellFormed(changed);
    expect(changed.events.map((e) => e.uid)).toEqual([uid]);
    expect(changed.events[0]!.sequence).toBeGreaterThan(mailed.events[0]!.sequence);
    expect(changed.events[0]!.start.toISOString()).toBe(new Date(newStart).toISOString());
    const downloadedAfterChange = await download(token);
    expect(downloadedAfterChange.events.map((e) => [e.uid, e.sequence, e.start.toISOString()])).toEqual(
      changed.events.map((e) => [e.uid, e.sequence, e.start.toISOString()]),
    );

    const cancelled = await app.api('POST', `/api/v1/bookings/${booking.id}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    await expect.poll(() => mailsTo(fam.address).length, { timeout: 15_000 }).toBe(3);
    const notice = mailsTo(fam.address)[2]!;
    expect(notice.subject).toContain('cancelled');
    // The file removes the appointment, and the mail says so.
    expect(notice.text).not.toContain('adds these times');
    expect(notice.text).toContain('removes the cancelled appointments from your calendar');
    const removal = parseCalendar(calendarOf(notice));
    expect(removal.method).toBe('CANCEL');
    expectWellFormed(removal);
    expect(removal.events.map((e) => [e.uid, e.status])).toEqual([[uid, 'CANCELLED']]);
    expect(removal.events[0]!.sequence).toBeGreaterThan(changed.events[0]!.sequence);
    expect((await download(token)).events).toEqual([]);
    expectNoOlderStateAfterNewer(mailsTo(fam.address));
  });

  it('are not given to anyone else: another school’s event is not found, and a request without a family session is refused', async () => {
    const token = await loginFamily(app, school, 0);
    const other = await app.api('GET', `/api/v1/events/00000000-0000-4000-8000-000000000000/calendar.ics`, {
      token,
    });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
    const anonymous = await app.api('GET', `/api/v1/events/${school.eventId}/calendar.ics`);
    expect(anonymous.status).toBe(401);
  });
});

describe("a family's mails, in the order they arrive", () => {
  it('never bring a confirmation held back by an SMTP outage after the newer change mail; the last matches the database', async () => {
    const fam = takeFamily();
    smtp.refuse = true;
    let refusing = true;
    try {
      const { token, teacherId, booking } = await bookOne(fam.index);
      const confirmKey = emailKey({
        kind: 'booking-confirmed',
        eventId: school.eventId,
        familyId: fam.id,
        bookingIds: [booking.id],
        by: 'family',
      });
      // The confirmation has failed often enough that its next try is far off (backoff).
      await expect
        .poll(async () => (await emailQueue.getJob(confirmKey))?.attemptsMade ?? 0, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(5);
      await move(token, booking.id, teacherId, booking.startsAt);
      const changeJob = async () =>
        (await emailQueue.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed'])).find(
          (j) => j?.data.kind === 'booking-changed' && j.data.familyId === fam.id,
        );
      await expect
        .poll(async () => (await changeJob())?.attemptsMade ?? 0, { timeout: 20_000 })
        .toBeGreaterThanOrEqual(1);
      // Mail is back: the change's next try comes before the confirmation's.
      smtp.refuse = false;
      refusing = false;
      const { job: confirmation } = await settled(emailQueue, confirmKey, 30_000);
      const change = await changeJob();
      await settled(emailQueue, change!.id!, 30_000);

      const mails = mailsTo(fam.address);
      expect(mails.length).toBeGreaterThanOrEqual(1);
      const subjects = mails.map((m) => m.subject ?? '');
      const firstChange = subjects.findIndex((s) => s.startsWith('Appointment changed'));
      // The symptom: "Your appointments" (the confirmation) after "Appointment changed".
      if (firstChange >= 0)
        expect(subjects.slice(firstChange + 1).filter((s) => s.startsWith('Your appointments'))).toEqual([]);
      expectNoOlderStateAfterNewer(mails);
      // The last mail shows what the database has now.
      const now = await current(booking.id);
      const last = parseCalendar(calendarOf(mails.at(-1)!));
      expect(last.events.map((e) => [e.uid, e.sequence, e.start.toISOString()])).toEqual([
        [`${booking.id}@confer`, now.sequence, now.startsAt.toISOString()],
      ]);
      const lastText = mails.at(-1)!.text ?? '';
      expect(lastText).toContain(DateTime.fromJSDate(now.startsAt).setZone(ZONE).toFormat('HH:mm'));
      // Nothing went missing: the confirmation was sent or left out as told already.
      expect(['sent', 'superseded']).toContain(confirmation.returnvalue);
    } finally {
      if (refusing) smtp.refuse = false;
    }
  });

  it('are not overtaken: a change made while the previous mail is still being accepted is mailed after it', async () => {
    const fam = takeFamily();
    // The confirmation is composed and handed over, but the relay takes 3 s to accept it.
    smtp.holdNextMs = 3000;
    const heldBefore = smtp.held;
    const { token, teacherId, booking } = await bookOne(fam.index);
    await expect.poll(() => smtp.held, { timeout: 15_000 }).toBe(heldBefore + 1);
    const newStart = await move(token, booking.id, teacherId, booking.startsAt);
    await expect.poll(() => mailsTo(fam.address).length, { timeout: 20_000 }).toBe(2);
    const mails = mailsTo(fam.address);
    expect(mails.map((m) => (m.subject ?? '').split(':')[0])).toEqual([
      'Your appointments',
      'Appointment changed',
    ]);
    expectNoOlderStateAfterNewer(mails);
    const last = parseCalendar(calendarOf(mails[1]!));
    const now = await current(booking.id);
    expect(last.events.map((e) => [e.sequence, e.start.toISOString()])).toEqual([
      [now.sequence, new Date(newStart).toISOString()],
    ]);
  });
});
