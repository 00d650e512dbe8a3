import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailJob, QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { settled, startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * Issue 14, "Retention": after a school's period, no name, e-mail address or message
 * of a family that has left remains anywhere — searched in every text column of every
 * table of the database and in every key under the deployment's Redis prefix — while
 * the families still on the roll, and a leaver seen at a recent evening, keep theirs
 * and the anonymous counts stay.
 *
 * Everything is made through the real API and the real workers (holds and
 * confirmations with idempotency keys, sign-ins, notes, feedback and replies,
 * confirmation and acknowledgement mails over SMTP), then aged in SQL past the period.
 */
const ZONE = 'Europe/London';
const DAY = 86_400_000;
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let retentionQueue: Queue;
let emailQueue: Queue<EmailJob>;
let adminToken: string;
let runs = 0;

// The leavers: names and texts found nowhere else, so any hit is theirs.
const LEAVERS = [
  { index: 2, surname: 'Quillfeather', email: 'quill.parent@leavers.test', child: 'Zephyrine' },
  { index: 3, surname: 'Marchbanks', email: 'march.parent@leavers.test', child: 'Thaddeus' },
];
const NOTE = 'Worried about Zephyrine sleeping badly';
const FEEDBACK_BODY = 'Thaddeus could not find the hall, the signs were missing';
const PUBLIC_NAME = 'Ottoline Brackenbury';
const PUBLIC_EMAIL = 'ottoline@public.test';
const PUBLIC_BODY = 'Parking by the gate was impossible for Ottoline';
const REPLY = 'Sorry Mrs Marchbanks, we will put signs up';
const SECRETS = [
  ...LEAVERS.flatMap((l) => [l.surname, l.email, l.child]),
  NOTE,
  FEEDBACK_BODY,
  PUBLIC_NAME,
  PUBLIC_EMAIL,
  PUBLIC_BODY,
  REPLY,
];
// Kept: still on the roll (index 0) and a leaver booked at an evening within the period (index 4).
const CURRENT = { index: 0 };
const RECENT = { index: 4, surname: 'Applewhite', child: 'Perpetua' };

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, {
    code: 'RETAIN',
    timeZone: ZONE,
    eveningDate: DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!,
  });
  // The families' names as the school's roster would have them.
  for (const l of [...LEAVERS, { ...RECENT, email: null }]) {
    const fam = school.families[l.index]!;
    await app.db.query('UPDATE families SET surname = $2, email = coalesce($3, email) WHERE id = $1', [
      fam.id,
      l.surname,
      l.email,
    ]);
    fam.surname = l.surname;
    await app.db.query('UPDATE students SET first_name = $2, surname = $3 WHERE id = ANY($1::uuid[])', [
      fam.studentIds,
      l.child,
      l.surname,
    ]);
  }
  const { rows: shared } = await app.db.query(
    'SELECT count(*)::int AS n FROM family_students WHERE student_id = ANY($1::uuid[]) GROUP BY student_id HAVING count(*) > 1',
    [LEAVERS.flatMap((l) => school.families[l.index]!.studentIds)],
  );
  expect(shared).toEqual([]);
  adminToken = await loginStaff(app, school.admin.email);
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['email', 'retention'],
    env: { PUBLIC_URL: app.url, ARCHIVE_AFTER_DAYS: 30 },
  });
  retentionQueue = new Queue(QUEUES.retention, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
}, 60_000);

afterAll(async () => {
  await retentionQueue?.close();
  await emailQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

async function sweep() {
  const id = `sweep-${++runs}`;
  await retentionQueue.add('sweep', {}, { jobId: id });
  const { state, job } = await settled(retentionQueue, id, 30_000);
  expect(state, job.failedReason).toBe('completed');
  return job.returnvalue;
}

/** A family books its first child's first teacher's first free slot, with idempotency keys. */
async function book(index: number, token: string, eventId: string): Promise<string> {
  const fam = school.families[index]!;
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await app.api('GET', `/api/v1/events/${eventId}/availability`, { token });
  const slot = (snap.body.slots as { id: string; teacherId: string; state: string }[]).find(
    (s) => s.teacherId === teacherId && s.state === 'free',
  )!;
  const held = await app.api('POST', '/api/v1/holds', {
    token,
    body: { slotId: slot.id, studentId, ...(token === adminToken ? { familyId: fam.id } : {}) },
    headers: { 'idempotency-key': `hold-${index}-${eventId.slice(0, 8)}` },
  });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const ok = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId, holdIds: [held.body.id], ...(token === adminToken ? { familyId: fam.id } : {}) },
    headers: { 'idempotency-key': `confirm-${index}-${eventId.slice(0, 8)}` },
  });
  expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  return held.body.id as string;
}

/** Every text-like column of every table, as one query each: where the secrets are searched. */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  const { rows } = await app.db.query<{ table: string; column: string }>(
    `SELECT c.table_name AS table, c.column_name AS column
       FROM information_schema.columns c JOIN information_schema.tables t
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
        AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED', 'bytea')
      ORDER BY 1, 2`,
  );
  return rows;
}

async function databaseHits(): Promise<string[]> {
  const hits: string[] = [];
  for (const { table, column } of await textColumns()) {
    const { rows } = await app.db.query<{ v: string }>(
      `SELECT "${column}"::text AS v FROM "${table}" WHERE "${column}" IS NOT NULL AND lower("${column}"::text) LIKE ANY($1)`,
      [SECRETS.map((s) => `%${s.toLowerCase()}%`)],
    );
    for (const r of rows) hits.push(`${table}.${column}: ${r.v.slice(0, 120)}`);
  }
  return hits;
}

/**
 * Keys under the prefix holding any of `searched`. With `lasting`, only keys that would
 * outlive a day (no expiry, or a longer one): rate-limit and admission counters name a
 * family by id for an hour and expire by themselves, long inside any period.
 */
async function redisHits(searched: string[] = SECRETS, lasting = false): Promise<string[]> {
  const hits: string[] = [];
  const secrets = searched.map((s) => s.toLowerCase());
  let cursor = '0';
  do {
    const [next, keys] = await app.redis.scan(cursor, 'MATCH', `${app.config.REDIS_PREFIX}*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if (lasting) {
        const ttl = await app.redis.pttl(key);
        if (ttl >= 0 && ttl <= DAY) continue;
      }
      const type = await app.redis.type(key);
      const text =
        type === 'string'
          ? await app.redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await app.redis.hgetall(key))
            : type === 'list'
              ? JSON.stringify(await app.redis.lrange(key, 0, -1))
              : type === 'set'
                ? JSON.stringify(await app.redis.smembers(key))
                : type === 'zset'
                  ? JSON.stringify(await app.redis.zrange(key, 0, -1))
                  : type === 'stream'
                    ? JSON.stringify(await app.redis.xrange(key, '-', '+'))
                    : '';
      const all = `${key} ${text ?? ''}`.toLowerCase();
      for (const s of secrets) if (all.includes(s)) hits.push(`${key} (${type}): ${s}`);
    }
  } while (cursor !== '0');
  return hits;
}

/** Moves every timestamp of the school's data back by `days` (triggers off: the logs are append-only). */
async function age(days: number, eventId: string, keepFamilyIds: string[]) {
  const c = await app.db.connect();
  const shift = `make_interval(days => ${days})`;
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL session_replication_role = replica`);
    await c.query(
      `UPDATE events SET booking_opens_at = booking_opens_at - ${shift}, booking_closes_at = booking_closes_at - ${shift},
              cancel_cutoff_at = cancel_cutoff_at - ${shift}, created_at = created_at - ${shift} WHERE id = $1`,
      [eventId],
    );
    await c.query(
      `UPDATE slots SET starts_at = starts_at - ${shift}, ends_at = ends_at - ${shift} WHERE event_id = $1`,
      [eventId],
    );
    await c.query(
      `UPDATE bookings SET starts_at = starts_at - ${shift}, ends_at = ends_at - ${shift},
              during = tstzrange(lower(during) - ${shift}, upper(during) - ${shift}),
              guard = tstzrange(lower(guard) - ${shift}, upper(guard) - ${shift}),
              created_at = created_at - ${shift}, confirmed_at = confirmed_at - ${shift} WHERE event_id = $1`,
      [eventId],
    );
    await c.query(`UPDATE booking_log SET at = at - ${shift} WHERE event_id = $1`, [eventId]);
    await c.query(`UPDATE families SET created_at = created_at - ${shift} WHERE school_id = $1`, [
      school.schoolId,
    ]);
    await c.query(`UPDATE students SET created_at = created_at - ${shift} WHERE school_id = $1`, [
      school.schoolId,
    ]);
    await c.query(
      `UPDATE sessions SET created_at = created_at - ${shift}, last_seen_at = last_seen_at - ${shift}
        WHERE school_id = $1 AND (family_id IS NULL OR NOT family_id = ANY($2::uuid[]))`,
      [school.schoolId, keepFamilyIds],
    );
    await c.query(`UPDATE email_log SET sent_at = sent_at - ${shift}, claimed_at = claimed_at - ${shift}`);
    await c.query(`UPDATE outbox SET created_at = created_at - ${shift}`);
    await c.query(`UPDATE idempotency_keys SET created_at = created_at - ${shift}`);
    await c.query(
      `UPDATE feedback SET created_at = created_at - ${shift}, updated_at = updated_at - ${shift}`,
    );
    await c.query(`UPDATE feedback_replies SET at = at - ${shift}`);
    await c.query(`UPDATE audit_log SET at = at - ${shift}`);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
  // BullMQ's finished jobs: their finish time, in the set's score and in the job.
  const prefix = `${bullPrefix(app.config.REDIS_PREFIX)}:${QUEUES.email}`;
  for (const set of ['completed', 'failed']) {
    const entries = await app.redis.zrange(`${prefix}:${set}`, 0, -1, 'WITHSCORES');
    for (let i = 0; i < entries.length; i += 2) {
      const old = Number(entries[i + 1]) - days * DAY;
      await app.redis.zadd(`${prefix}:${set}`, old, entries[i]!);
      await app.redis.hset(`${prefix}:${entries[i]}`, 'finishedOn', String(old));
    }
  }
}

/** Until every mail the term caused has been relayed and its job has run (replies are mailed too). */
async function mailSettled() {
  const until = Date.now() + 30_000;
  for (let quiet = 0; quiet < 3; ) {
    if (Date.now() > until) throw new Error('mail did not settle');
    const counts = await emailQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const { rows } = await app.db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'mail'`);
    quiet = Object.values(counts).every((n) => n === 0) && rows[0].n === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForMail(to: string, subjectPart: RegExp) {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const m = smtp.messages.find(
      (x) => x.to && JSON.stringify(x.to).includes(to) && subjectPart.test(x.subject ?? ''),
    );
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} matching ${subjectPart}`);
}

describe('retention: every table and Redis after the period', () => {
  let recentEventId: string;
  let counts: { bookings: number; confirmed: number; families: number; students: number; feedback: number };

  it('seeds a term of real use: bookings, notes, sign-ins, feedback with replies, mails sent', async () => {
    const tokens = new Map<number, string>();
    for (const i of [CURRENT.index, ...LEAVERS.map((l) => l.index)])
      tokens.set(i, await loginFamily(app, school, i));
    const bookingIds: string[] = [];
    for (const i of [CURRENT.index, ...LEAVERS.map((l) => l.index)])
      bookingIds.push(await book(i, tokens.get(i)!, school.eventId));
    // A teacher's private note on the first leaver's appointment.
    const note = await app.api('PUT', `/api/v1/bookings/${bookingIds[1]}/note`, {
      token: adminToken,
      body: { body: NOTE },
    });
    expect([200, 403]).toContain(note.status);
    await app.db.query(
      `INSERT INTO booking_notes (booking_id, staff_id, body) SELECT id, staff_id, $2 FROM bookings WHERE id = $1
         ON CONFLICT DO NOTHING`,
      [bookingIds[1], NOTE],
    );
    await app.db.query(`UPDATE bookings SET note = $2 WHERE id = $1`, [bookingIds[1], NOTE]);
    // A complaint from the second leaver, signed in; one from the public; a reply to each.
    const complaint = await app.api('POST', '/api/v1/feedback', {
      token: tokens.get(LEAVERS[1]!.index)!,
      body: { kind: 'complaint', about: 'school', subject: 'Signs', body: FEEDBACK_BODY },
    });
    expect(complaint.status, JSON.stringify(complaint.body)).toBe(200);
    const pub = await app.api('POST', '/api/v1/feedback/public', {
      body: {
        kind: 'feedback',
        schoolCode: school.schoolCode,
        name: PUBLIC_NAME,
        email: PUBLIC_EMAIL,
        subject: 'Parking',
        body: PUBLIC_BODY,
      },
    });
    expect(pub.status, JSON.stringify(pub.body)).toBe(200);
    const inbox = await app.api('GET', '/api/v1/admin/feedback', { token: adminToken });
    for (const item of inbox.body.items as { id: string }[]) {
      const r = await app.api('POST', `/api/v1/admin/feedback/${item.id}/replies`, {
        token: adminToken,
        body: { body: REPLY, status: 'resolved' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // The mails went out over SMTP (confirmations, acknowledgements).
    for (const l of LEAVERS) await waitForMail(l.email, /./);
    await waitForMail(PUBLIC_EMAIL, /./);

    // An evening within the period at which a leaver has an appointment.
    const opens = DateTime.now().minus({ hours: 1 });
    const created = await app.api('POST', '/api/v1/admin/events', {
      token: adminToken,
      body: {
        name: 'Spring evening',
        bookingOpensAt: opens.toISO(),
        bookingClosesAt: opens.plus({ days: 10 }).toISO(),
        cancelCutoffAt: null,
        slotMinutes: 10,
        gapMinutes: 0,
        maxPerStudent: 3,
        holdSeconds: 120,
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    recentEventId = created.body.id;
    const fam = school.families[RECENT.index]!;
    const teacherId = school.students.find((s) => s.id === fam.studentIds[0])!.teacherIds[0]!;
    const date = DateTime.now().setZone(ZONE).plus({ days: 5 }).toISODate()!;
    const avail = await app.api(
      'PUT',
      `/api/v1/admin/events/${recentEventId}/teachers/${teacherId}/availability`,
      {
        token: adminToken,
        body: { room: 'R1', windows: [{ date, from: '17:00', to: '18:00' }] },
      },
    );
    expect(avail.status, JSON.stringify(avail.body)).toBe(200);
    await book(RECENT.index, adminToken, recentEventId);

    // The leavers leave the roll: the school's class-list import drops their children.
    const leaving = [...LEAVERS, RECENT].flatMap((l) => school.families[l.index]!.studentIds);
    await app.db.query('DELETE FROM teacher_students WHERE student_id = ANY($1::uuid[])', [leaving]);

    // Before: the secrets are there (so the search below can find them).
    const before = await databaseHits();
    for (const s of SECRETS) expect(before.join('\n').toLowerCase(), s).toContain(s.toLowerCase());
    const { rows } = await app.db.query(
      `SELECT (SELECT count(*)::int FROM bookings WHERE event_id = $1) AS bookings,
              (SELECT count(*)::int FROM bookings WHERE event_id = $1 AND status = 'confirmed') AS confirmed,
              (SELECT count(DISTINCT family_id)::int FROM bookings WHERE event_id = $1) AS families,
              (SELECT count(DISTINCT student_id)::int FROM bookings WHERE event_id = $1) AS students,
              (SELECT count(*)::int FROM feedback) AS feedback`,
      [school.eventId],
    );
    counts = rows[0];
    expect(counts.confirmed).toBe(3);
  }, 90_000);

  it("a sweep past the school's period leaves none of the leavers' names, addresses or messages in any table or in Redis", async () => {
    await app.db.query('UPDATE schools SET retention_days = 365 WHERE id = $1', [school.schoolId]);
    await mailSettled();
    // Redis knows the leavers by id before (their cached sessions, their mail jobs)...
    const leaverIds = LEAVERS.map((l) => school.families[l.index]!.id);
    expect((await redisHits(leaverIds, true)).length).toBeGreaterThan(0);
    await age(400, school.eventId, []);
    const agedAt = Date.now();
    const result = await sweep();
    // ...and not after: sessions ended, finished jobs dropped.
    expect(await redisHits(leaverIds, true)).toEqual([]);
    expect(result.archived).toBeGreaterThanOrEqual(1);

    expect(await databaseHits()).toEqual([]);
    expect(await redisHits()).toEqual([]);
    // Finished mail jobs (ids only) left Redis with the rest: none that finished before the
    // term was aged is left. (Under load CI once saw one job finish between the aging and
    // the sweep's count — a job of today, not of the aged term.)
    const finished = await emailQueue.getJobs(['completed', 'failed']);
    expect(finished.filter((j) => (j.finishedOn ?? 0) < agedAt).map((j) => j.name)).toEqual([]);

    // Anonymous counts remain: the evening's appointments by status, families, children.
    const { rows } = await app.db.query(
      `SELECT (SELECT count(*)::int FROM bookings WHERE event_id = $1) AS bookings,
              (SELECT count(*)::int FROM bookings WHERE event_id = $1 AND status = 'confirmed') AS confirmed,
              (SELECT count(DISTINCT family_id)::int FROM bookings WHERE event_id = $1) AS families,
              (SELECT count(DISTINCT student_id)::int FROM bookings WHERE event_id = $1) AS students,
              (SELECT count(*)::int FROM feedback) AS feedback`,
      [school.eventId],
    );
    expect(rows[0]).toEqual(counts);
    // The record of transactions says what the worker did, in counts.
    const { rows: recorded } = await app.db.query(
      `SELECT action, detail FROM audit_log WHERE school_id = $1 AND actor_kind = 'worker' AND action LIKE 'retention%'
        ORDER BY action`,
      [school.schoolId],
    );
    expect(recorded).toEqual([
      { action: 'retentionPurgeEvent', detail: { after: { families: 3, students: 3 } } },
      { action: 'retentionPurgePeople', detail: { after: { families: 2, students: expect.any(Number) } } },
    ]);
  }, 60_000);

  it('keeps the families still on the roll and the leaver seen at a recent evening, with their codes, and nothing else of theirs', async () => {
    const current = school.families[CURRENT.index]!;
    const { rows } = await app.db.query(
      `SELECT id, surname, email, access_code_hash IS NOT NULL AS has_code, erased_at FROM families WHERE id = ANY($1::uuid[])`,
      [[current.id, school.families[RECENT.index]!.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(current.id)).toMatchObject({ surname: current.surname, has_code: true, erased_at: null });
    expect(byId.get(school.families[RECENT.index]!.id)).toMatchObject({
      surname: RECENT.surname,
      has_code: true,
      erased_at: null,
    });
    const { rows: kids } = await app.db.query('SELECT first_name FROM students WHERE id = ANY($1::uuid[])', [
      school.families[RECENT.index]!.studentIds,
    ]);
    expect(kids.every((k) => k.first_name === RECENT.child)).toBe(true);
    // The current family still signs in; the leavers cannot.
    expect(await loginFamily(app, school, CURRENT.index)).toEqual(expect.any(String));
    const leaver = school.families[LEAVERS[0]!.index]!;
    const refused = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: LEAVERS[0]!.surname, accessCode: leaver.accessCode },
      headers: { 'x-forwarded-for': '10.0.9.9' },
    });
    expect(refused.status).toBe(401);
    // The recent evening is untouched: its appointment still points at the family.
    const { rows: recent } = await app.db.query('SELECT family_id FROM bookings WHERE event_id = $1', [
      recentEventId,
    ]);
    expect(recent.map((r) => r.family_id)).toEqual([school.families[RECENT.index]!.id]);
    // A second sweep changes nothing more.
    const again = await sweep();
    expect(again.rows).toEqual({});
  }, 60_000);
});
