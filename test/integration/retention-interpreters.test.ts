import { Queue } from 'bullmq';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import {
  issueInterpreterLink,
  tokenForInterpreterMail,
} from '../../server/src/features/interpreters/interpreter-links.ts';
import { RetentionService } from '../../server/src/features/retention/retention.service.ts';
import { retentionRedis } from '../../server/src/features/retention/retention-redis.ts';
import { SPENT_LINK_HOURS } from '../../server/src/features/retention/retention-rules.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Issue 18 under retention: an interpreter's sign-in link is deleted a day after it was
 * spent (used, retired or expired) while one that still works stays; interpreters' sessions
 * go as sessions; and an evening's interpreter reservations survive its detachment from the
 * families, pointing at the booking, which points at placeholders. The interpreter, the
 * school's own contact, is kept like a staff account.
 */
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
const DAY_AND_AN_HOUR = `${SPENT_LINK_HOURS + 1} hours`;
let app: TestApp;
let school: SeededSchool;
let admin: string;
let ola: string;
let kasia: string;
let bookingId: string;
let sealKey: Buffer;
let emailQueue: Queue;

/** The sweep as the worker runs it, with its part in Redis (a deleted session's cache entry goes too). */
const sweep = () =>
  new RetentionService(app.db, retentionRedis(app.redis, app.config.REDIS_PREFIX, emailQueue)).sweep(30);

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

/** A new link for the interpreter, and its token as its mail would carry it. */
async function newLink(interpreterId: string): Promise<{ id: string; token: string }> {
  const { linkId } = await issueInterpreterLink(app.db, interpreterId, school.eventId, sealKey);
  const mail = await tokenForInterpreterMail(app.db, linkId, interpreterId, sealKey);
  return { id: linkId, token: mail!.token };
}

const signIn = (token: string) => api('POST', '/auth/interpreter/login', undefined, { token });

const linkIds = async () =>
  (await app.db.query<{ id: string }>('SELECT id FROM interpreter_links ORDER BY id')).rows.map((r) => r.id);

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  sealKey = serverKeys(app.config.SERVER_SECRET).mailSeal;
  emailQueue = new Queue(QUEUES.email, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
  school = await seedSmallSchool(app, {
    code: 'RETINT',
    timeZone: ZONE,
    eveningDate: evening,
    teachers: 2,
    families: 2,
    teachersPerStudent: 1,
    siblingShare: 0,
    slotMinutes: 10,
    from: '16:00',
    to: '17:00',
  });
  admin = await loginStaff(app, school.admin.email);
  for (const [name, email] of [
    ['Ola Nowak', 'ola@interpreters.example.org'],
    ['Kasia Wiśniewska', 'kasia@interpreters.example.org'],
  ] as const) {
    const made = await api('POST', '/admin/interpreters', admin, { name, languages: ['pl'], email });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    if (name === 'Ola Nowak') ola = made.body.id;
    else kasia = made.body.id;
  }
  const windows = await api('PUT', `/admin/events/${school.eventId}/interpreters/${ola}/windows`, admin, {
    windows: [{ date: evening, from: '16:00', to: '17:00' }],
  });
  expect(windows.status, JSON.stringify(windows.body)).toBe(200);
  // The school books family 0, which needs a Polish interpreter: Ola is reserved.
  const fam = school.families[0]!;
  expect((await api('PUT', `/admin/families/${fam.id}/interpreter`, admin, { language: 'pl' })).status).toBe(
    200,
  );
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await api('GET', `/events/${school.eventId}/availability`, admin);
  const slot = snap.body.slots.find(
    (s: { teacherId: string; state: string }) => s.teacherId === teacherId && s.state === 'free',
  );
  const held = await api('POST', '/holds', admin, { slotId: slot.id, studentId, familyId: fam.id });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const confirmed = await api('POST', '/holds/confirm', admin, {
    eventId: school.eventId,
    holdIds: [held.body.id],
    familyId: fam.id,
  });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  bookingId = held.body.id;
});
afterAll(async () => {
  await emailQueue?.close();
  await app?.close();
});

describe('retention of interpreters’ sign-in', () => {
  it('deletes links spent more than a day ago and keeps the one that still works and one just spent', async () => {
    // Ola signed in twice: the first link used two days ago, the second a moment ago.
    const usedLongAgo = await newLink(ola);
    const first = await signIn(usedLongAgo.token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const justUsed = await newLink(ola);
    const second = await signIn(justUsed.token);
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    // A third mail, not yet opened: its link works.
    const live = await newLink(ola);
    // Kasia's link was never opened and expired over a day ago (mailed two weeks before).
    const expired = await newLink(kasia);
    await app.db.query(
      `UPDATE interpreter_links SET used_at = now() - interval '2 days', created_at = now() - interval '3 days'
        WHERE id = $1`,
      [usedLongAgo.id],
    );
    await app.db.query(
      `UPDATE interpreter_links SET created_at = now() - interval '15 days', expires_at = now() - interval '${DAY_AND_AN_HOUR}'
        WHERE id = $1`,
      [expired.id],
    );
    // Retired by a newer mail within the day: spent, but not yet a day ago.
    const retired = await newLink(kasia);
    await newLink(kasia);
    expect(
      (
        await app.db.query('SELECT used_at IS NOT NULL AS spent FROM interpreter_links WHERE id = $1', [
          retired.id,
        ])
      ).rows[0].spent,
    ).toBe(true);
    // The first session was last used 400 days ago, past the school's period.
    await app.db.query('UPDATE schools SET retention_days = 30 WHERE id = $1', [school.schoolId]);
    await app.db.query(
      `UPDATE sessions SET created_at = now() - interval '400 days', last_seen_at = now() - interval '400 days'
        WHERE token_hash = (SELECT token_hash FROM sessions WHERE interpreter_id = $1 ORDER BY created_at LIMIT 1)`,
      [ola],
    );

    const before = await linkIds();
    expect(before).toHaveLength(6);
    const swept = await sweep();
    expect(swept.purged.interpreter_links).toBe(2);
    const after = await linkIds();
    expect(after).not.toContain(usedLongAgo.id);
    expect(after).not.toContain(expired.id);
    expect(after).toContain(justUsed.id);
    expect(after).toContain(live.id);
    expect(after).toContain(retired.id);
    expect(after).toHaveLength(4);
    // Interpreters' sessions go as sessions: the old one, not the one in use.
    const { rows: sessions } = await app.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM sessions WHERE interpreter_id = $1',
      [ola],
    );
    expect(sessions).toHaveLength(1);
    expect((await api('GET', '/interpreter/schedule', second.body.token)).status).toBe(200);
    expect((await api('GET', '/interpreter/schedule', first.body.token)).status).toBe(401);
    // The link that still works still signs in.
    expect((await signIn(live.token)).status).toBe(200);
  });

  it('keeps an evening’s interpreter reservation through its detachment, and the interpreter', async () => {
    // The evening ended 400 days ago (triggers off: the booking log is append-only).
    const c = await app.db.connect();
    const shift = `make_interval(days => 400)`;
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query(
        `UPDATE events SET booking_opens_at = booking_opens_at - ${shift}, booking_closes_at = booking_closes_at - ${shift},
                cancel_cutoff_at = cancel_cutoff_at - ${shift}, created_at = created_at - ${shift} WHERE id = $1`,
        [school.eventId],
      );
      await c.query(
        `UPDATE slots SET starts_at = starts_at - ${shift}, ends_at = ends_at - ${shift} WHERE event_id = $1`,
        [school.eventId],
      );
      await c.query(
        `UPDATE bookings SET starts_at = starts_at - ${shift}, ends_at = ends_at - ${shift},
                during = tstzrange(lower(during) - ${shift}, upper(during) - ${shift}),
                guard = tstzrange(lower(guard) - ${shift}, upper(guard) - ${shift}),
                created_at = created_at - ${shift}, confirmed_at = confirmed_at - ${shift} WHERE event_id = $1`,
        [school.eventId],
      );
      await c.query(
        `UPDATE booking_interpreters SET during = tstzrange(lower(during) - ${shift}, upper(during) - ${shift})
          WHERE event_id = $1`,
        [school.eventId],
      );
      await c.query(`UPDATE booking_log SET at = at - ${shift} WHERE event_id = $1`, [school.eventId]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
    const swept = await sweep();
    expect(swept.archived).toContain(school.eventId);
    expect(swept.purgedEvents.map((p) => p.eventId)).toContain(school.eventId);

    // The booking now points at a placeholder family; its reservation is as it was.
    const { rows } = await app.db.query(
      `SELECT f.placeholder, f.surname, f.interpreter_language, bi.interpreter_id, bi.language, bi.status::text AS status
         FROM bookings b JOIN families f ON f.id = b.family_id
         JOIN booking_interpreters bi ON bi.booking_id = b.id
        WHERE b.id = $1`,
      [bookingId],
    );
    expect(rows).toEqual([
      {
        placeholder: true,
        surname: expect.stringMatching(/^Former family /),
        interpreter_language: null,
        interpreter_id: ola,
        language: 'pl',
        status: 'confirmed',
      },
    ]);
    // The interpreter is the school's own contact, kept like a staff account.
    const { rows: interpreter } = await app.db.query('SELECT name, email FROM interpreters WHERE id = $1', [
      ola,
    ]);
    expect(interpreter).toEqual([{ name: 'Ola Nowak', email: 'ola@interpreters.example.org' }]);
    // The family itself is still on the roll: its need stays on its own record.
    const { rows: family } = await app.db.query('SELECT interpreter_language FROM families WHERE id = $1', [
      school.families[0]!.id,
    ]);
    expect(family).toEqual([{ interpreter_language: 'pl' }]);
  });
});
