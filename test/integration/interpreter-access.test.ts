import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotFact } from '../../protocol/socket-events.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { tokenForInterpreterMail } from '../../server/src/features/interpreters/interpreter-links.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18, the interpreter's own door: a one-time link from their schedule mail signs
// them in for one event; the session reads their schedule and hears the event's facts
// without names, and nothing else. Families and staff are refused the interpreter's
// routes, and the interpreter every other operation and socket command.
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
let app: TestApp;
let school: SeededSchool;
let admin: string;
let teacher: string;
let family: string;
let interpreterId: string;
let bookingId: string;

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

/** What the mail would carry: a new link's token, read from its sealed copy. */
async function newLinkToken(forInterpreter: string): Promise<string> {
  const mailed = await api(
    'POST',
    `/admin/events/${school.eventId}/interpreters/${forInterpreter}/schedule-mail`,
    admin,
  );
  expect(mailed.status, JSON.stringify(mailed.body)).toBe(200);
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT id FROM interpreter_links WHERE interpreter_id = $1 AND used_at IS NULL`,
    [forInterpreter],
  );
  expect(rows).toHaveLength(1);
  const link = await tokenForInterpreterMail(
    app.db,
    rows[0]!.id,
    forInterpreter,
    serverKeys(app.config.SERVER_SECRET).mailSeal,
  );
  return link!.token;
}

async function signIn(token: string) {
  return api('POST', '/auth/interpreter/login', undefined, { token });
}

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  school = await seedSmallSchool(app, {
    code: 'INTACC',
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
  admin = await loginStaff(app, school.admin.email);
  teacher = await loginStaff(app, school.teachers[0]!.email);
  const made = await api('POST', '/admin/interpreters', admin, {
    name: 'Ola Nowak',
    languages: ['pl'],
    email: 'ola@interpreters.example.org',
  });
  interpreterId = made.body.id;
  await api('PUT', `/admin/events/${school.eventId}/interpreters/${interpreterId}/windows`, admin, {
    windows: [{ date: evening, from: '16:00', to: '17:00' }],
  });
  await api('PUT', `/admin/families/${school.families[0]!.id}/interpreter`, admin, { language: 'pl' });
  family = await loginFamily(app, school, 0);
  const studentId = school.families[0]!.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await api('GET', `/events/${school.eventId}/availability`, family);
  const slot = snap.body.slots.find(
    (s: { teacherId: string; state: string }) => s.teacherId === teacherId && s.state === 'free',
  );
  const held = await api('POST', '/holds', family, { slotId: slot.id, studentId });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const confirmed = await api('POST', '/holds/confirm', family, {
    eventId: school.eventId,
    holdIds: [held.body.id],
  });
  expect(confirmed.status).toBe(200);
  bookingId = held.body.id;
});
afterAll(async () => {
  await app?.close();
});

describe('an interpreter’s sign-in', () => {
  let session: string;

  it('signs in once with the link of their schedule mail, for that event only', async () => {
    const token = await newLinkToken(interpreterId);
    const first = await signIn(token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      interpreter: { id: interpreterId, name: 'Ola Nowak' },
      eventId: school.eventId,
    });
    session = first.body.token;
    // The link works once.
    const again = await signIn(token);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('unauthenticated');
    // Only its digest is stored; the session is an ordinary one of kind interpreter.
    const { rows } = await app.db.query(
      `SELECT kind, interpreter_id, event_id, staff_id, family_id FROM sessions WHERE interpreter_id = $1`,
      [interpreterId],
    );
    expect(rows).toEqual([
      {
        kind: 'interpreter',
        interpreter_id: interpreterId,
        event_id: school.eventId,
        staff_id: null,
        family_id: null,
      },
    ]);
    const links = await app.db.query('SELECT token_hash FROM interpreter_links WHERE interpreter_id = $1', [
      interpreterId,
    ]);
    expect(JSON.stringify(links.rows)).not.toContain(token);
  });

  it('a newer mail retires the older link', async () => {
    const older = await newLinkToken(interpreterId);
    await newLinkToken(interpreterId);
    expect((await signIn(older)).status).toBe(401);
  });

  it('reads their own schedule: time, room, teacher, family and language, no child’s name', async () => {
    const res = await api('GET', '/interpreter/schedule', session);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.interpreter).toEqual({ id: interpreterId, name: 'Ola Nowak', languages: ['pl'] });
    expect(res.body.meetings).toHaveLength(1);
    expect(res.body.meetings[0]).toMatchObject({
      bookingId,
      language: 'pl',
      familySurname: school.families[0]!.surname,
    });
    expect(res.body.meetings[0].studentName).toBeUndefined();
  });

  it('is refused (403) every other operation of the API', async () => {
    const doc = (await api('GET', '/openapi.json')).body;
    const refused: string[] = [];
    const passed: string[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods)) {
        const isSession = Array.isArray(op.security) && op.security.some((s: object) => 'session' in s);
        if (
          !isSession ||
          op.operationId === 'getMyInterpreterSchedule' ||
          op.operationId === 'logoutInterpreter'
        )
          continue;
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        // The document's paths start with /api/v1.
        const res = await app.api(method.toUpperCase(), url, {
          token: session,
          body: method === 'get' ? undefined : {},
        });
        (res.status === 403 ? refused : passed).push(`${op.operationId} ${res.status}`);
      }
    expect(passed).toEqual([]);
    expect(refused.length).toBeGreaterThan(80);
  });

  it('families, teachers and admins are refused (403) the interpreter’s routes', async () => {
    for (const token of [family, teacher, admin]) {
      const read = await api('GET', '/interpreter/schedule', token);
      expect(read.status).toBe(403);
      expect(read.body.error.code).toBe('forbidden');
      const out = await api('POST', '/interpreter/logout', token);
      expect(out.status).toBe(403);
    }
    expect((await api('GET', '/interpreter/schedule')).status).toBe(401);
  });

  it('hears the event’s facts without names, and may send no socket command', async () => {
    const socket = await app.socket(session);
    const joined = await ask(socket, 'event:join', { eventId: school.eventId });
    expect(joined).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const hold = await ask(socket, 'slot:hold', {
      slotId: '00000000-0000-4000-8000-000000000000',
      studentId: '00000000-0000-4000-8000-000000000000',
      idempotencyKey: 'interp-socket-hold',
    });
    expect(hold).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Still connected: a refused command does not end the session.
    expect(socket.connected).toBe(true);
    const facts: SlotFact[] = [];
    onSlotFact(socket, (f) => facts.push(f));
    const cancelled = await api('POST', `/bookings/${bookingId}/cancel`, family);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await expect.poll(() => facts.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(facts[0]!.eventId).toBe(school.eventId);
    expect(JSON.stringify(facts)).not.toContain(school.families[0]!.surname);
    const after = await api('GET', '/interpreter/schedule', session);
    expect(after.body.meetings).toEqual([]);
  });

  it('signs out: the token stops working', async () => {
    const out = await api('POST', '/interpreter/logout', session);
    expect(out.status).toBe(200);
    expect((await api('GET', '/interpreter/schedule', session)).status).toBe(401);
    const { rows } = await app.db.query(
      `SELECT actor_kind, actor_id FROM audit_log WHERE action IN ('loginInterpreter', 'logoutInterpreter') ORDER BY id`,
    );
    expect(rows.at(-1)).toEqual({ actor_kind: 'interpreter', actor_id: interpreterId });
  });

  it('an interpreter removed by the school is signed out at once', async () => {
    const made = await api('POST', '/admin/interpreters', admin, {
      name: 'Short Stay',
      languages: ['ro'],
      email: 'short@interpreters.example.org',
    });
    const token = (await signIn(await newLinkToken(made.body.id))).body.token;
    expect((await api('GET', '/interpreter/schedule', token)).status).toBe(200);
    expect((await api('DELETE', `/admin/interpreters/${made.body.id}`, admin)).status).toBe(200);
    expect((await api('GET', '/interpreter/schedule', token)).status).toBe(401);
  });
});
