import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Issue 13, findings 1 and 2: a body that is not JSON is refused instead of being read
 * as `{}` (which used to mean "every family" / "the whole evening"), and text PostgreSQL
 * cannot store is `invalid_input` at the edge instead of a 500 from the database.
 */
let app: TestApp;
let school: SeededSchool;
let admin: string;

beforeAll(async () => {
  app = await startTestApp({ FEEDBACK_PER_HOUR: '1000' });
  school = await seedSmallSchool(app, { families: 6, teachers: 3, teachersPerStudent: 3, siblingShare: 0 });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(() => app?.close());

async function codeHashes(): Promise<string[]> {
  const { rows } = await app.db.query<{ h: string | null }>(
    'SELECT access_code_hash AS h FROM families WHERE school_id = $1 ORDER BY id',
    [school.schoolId],
  );
  return rows.map((r) => r.h ?? '');
}

/** A POST with a raw body and a content type of the caller's choosing (what `fetch()` without headers does). */
function post(path: string, body: string, contentType: string, token = admin) {
  return app.api('POST', path, { token, rawBody: body, headers: { 'content-type': contentType } });
}

describe('a body that is not JSON changes nothing', () => {
  it('issueAccessCodes with text/plain and one family is refused with 415; no code changes, no session ends', async () => {
    const family = school.families[0]!;
    const familyToken = await loginFamily(app, school, 1);
    const before = await codeHashes();
    const res = await post(
      '/api/v1/admin/access-codes',
      JSON.stringify({ familyIds: [family.id] }),
      'text/plain',
    );
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(await codeHashes()).toEqual(before);
    expect((await app.api('GET', '/api/v1/me', { token: familyToken })).status).toBe(200);
  });

  it('an empty object no longer means "all families": all is an explicit field', async () => {
    const before = await codeHashes();
    for (const body of [{}, { onlyWithoutCode: false }, { all: true, familyIds: [school.families[0]!.id] }]) {
      const res = await app.api('POST', '/api/v1/admin/access-codes', { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect(await codeHashes()).toEqual(before);
    const one = await app.api('POST', '/api/v1/admin/access-codes', {
      token: admin,
      body: { familyIds: [school.families[2]!.id] },
    });
    expect(one.status).toBe(200);
    expect(one.body.codes).toHaveLength(1);
    const all = await app.api('POST', '/api/v1/admin/access-codes', { token: admin, body: { all: true } });
    expect(all.status).toBe(200);
    expect(all.body.codes).toHaveLength(school.families.length);
  });

  it('markAbsent with text/plain and a one-minute range is refused; the evening stands', async () => {
    const teacher = school.teachers[0]!;
    const { rows: slots } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 2',
      [school.eventId, teacher.id],
    );
    const pupil = school.students.find((s) => s.teacherIds.includes(teacher.id))!;
    const familyId = school.families.find((f) => f.studentIds.includes(pupil.id))!.id;
    await bookOnBehalf(app, admin, school, slots[0]!.id, familyId, pupil.id);
    const count = async () =>
      (
        await app.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM bookings WHERE staff_id = $1 AND status = 'confirmed'`,
          [teacher.id],
        )
      ).rows[0]!.n;
    expect(await count()).toBe(1);
    const path = `/api/v1/events/${school.eventId}/teachers/${teacher.id}/absence`;
    const minute = JSON.stringify({ from: '2031-01-01T18:00:00Z', to: '2031-01-01T18:01:00Z' });
    const plain = await post(path, minute, 'text/plain;charset=UTF-8');
    expect(plain.status).toBe(415);
    expect(plain.body.error.code).toBe('unsupported_media_type');
    const form = await post(path, 'from=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    for (const body of [
      {},
      { from: '2031-01-01T18:00:00Z' },
      { wholeEvening: true, to: '2031-01-01T18:01:00Z' },
    ]) {
      const res = await app.api('POST', path, { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    expect(await count()).toBe(1);
    const whole = await app.api('POST', path, { token: admin, body: { wholeEvening: true } });
    expect(whole.status).toBe(200);
    expect(whole.body.cancelledBookingIds).toHaveLength(1);
    expect(await count()).toBe(0);
  });

  it('a route that takes a body refuses a request without one, and malformed JSON', async () => {
    const none = await app.api('POST', '/api/v1/admin/access-codes', { token: admin });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('invalid_input');
    // A body without any Content-Type (a Blob without a type sends none).
    const noType = await fetch(`${app.url}/api/v1/admin/access-codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: new Blob(['{"all":true}']),
    });
    expect(noType.headers.get('content-type')).toMatch(/json/);
    expect(noType.status).toBe(415);
    expect(((await noType.json()) as any).error.code).toBe('unsupported_media_type');
    const broken = await post('/api/v1/admin/access-codes', '{"all":tru', 'application/json');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_input');
    // A JSON media type with a suffix is still JSON.
    const suffixed = await post(
      '/api/v1/auth/staff/login',
      JSON.stringify({ email: school.admin.email, password: 'wrong password' }),
      'application/merge-patch+json',
    );
    expect(suffixed.status).toBe(401);
  });
});

describe('text PostgreSQL cannot store is invalid_input at the edge', () => {
  const NUL = 'a\u0000b';

  it('unauthenticated operations: loginFamily and submitPublicFeedback', async () => {
    const login = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: NUL, accessCode: 'ABCD-EFGH' },
    });
    expect(login.status).toBe(400);
    expect(login.body.error.code).toBe('invalid_input');
    expect(login.body.error.issues[0].path).toBe('surname');
    const before = (await app.db.query('SELECT count(*)::int AS n FROM feedback')).rows[0].n;
    const feedback = await app.api('POST', '/api/v1/feedback/public', {
      body: { kind: 'feedback', name: 'Sam', subject: 'Hello', body: `Line${'\u0000'}two` },
    });
    expect(feedback.status).toBe(400);
    expect(feedback.body.error.code).toBe('invalid_input');
    expect((await app.db.query('SELECT count(*)::int AS n FROM feedback')).rows[0].n).toBe(before);
  });

  it('the public feedback page (a form, outside the API) refuses a NUL too', async () => {
    const count = async () => (await app.db.query('SELECT count(*)::int AS n FROM feedback')).rows[0].n;
    const before = await count();
    const res = await fetch(`${app.url}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'kind=feedback&name=a%00b&subject=Hello&body=Text',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Please check: name/);
    expect(await count()).toBe(before);
  });

  it('a page outside the API refuses a NUL in its query', async () => {
    const res = await fetch(`${app.url}/privacy?school=A%00B`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
  });

  it('a staff write, a lone surrogate, a key of an object, and a query string', async () => {
    const invite = await app.api('POST', '/api/v1/admin/staff-accounts', {
      token: admin,
      body: {
        email: 'new.teacher@example.org',
        firstName: NUL,
        surname: 'Teach',
        isAdmin: false,
        isTeacher: true,
      },
    });
    expect(invite.status).toBe(400);
    expect(invite.body.error.code).toBe('invalid_input');
    const surrogate = await app.api('POST', '/api/v1/feedback/public', {
      rawBody: '{"kind":"feedback","name":"Sam","subject":"Hi","body":"x\\ud800y"}',
    });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error.code).toBe('invalid_input');
    const key = await app.api('POST', '/api/v1/feedback/public', {
      rawBody: '{"kind":"feedback","name":"Sam","subject":"Hi","body":"x","\\u0000":1}',
    });
    expect(key.status).toBe(400);
    const search = await app.api('GET', '/api/v1/admin/families?q=a%00b', { token: admin });
    expect(search.status).toBe(400);
    expect(search.body.error.code).toBe('invalid_input');
  });

  it('socket commands with a NUL in the idempotency key answer invalid_input', async () => {
    const family = school.families[3]!;
    // The tests above issued new codes to every family: sign in with a fresh one.
    const issued = await app.api('POST', '/api/v1/admin/access-codes', {
      token: admin,
      body: { familyIds: [family.id] },
    });
    const login = await app.api('POST', '/api/v1/auth/family/login', {
      body: {
        schoolCode: school.schoolCode,
        surname: family.surname,
        accessCode: issued.body.codes[0].accessCode,
      },
    });
    const socket = await app.socket(login.body.token);
    const studentId = family.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const { rows } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at DESC LIMIT 1',
      [school.eventId, teacherId],
    );
    const key = `key-${randomUUID()}\u0000`;
    const commands: [string, unknown][] = [
      ['slot:hold', { slotId: rows[0]!.id, studentId, idempotencyKey: key }],
      ['hold:release', { holdId: randomUUID(), idempotencyKey: key }],
      ['booking:confirm', { eventId: school.eventId, idempotencyKey: key }],
      ['booking:cancel', { bookingId: randomUUID(), idempotencyKey: key }],
      ['slot:block', { slotId: rows[0]!.id, blocked: true, idempotencyKey: key }],
    ];
    for (const [name, payload] of commands) {
      const ack: any = await ask(socket, name, payload);
      expect(ack.ok, name).toBe(false);
      expect(ack.error.code, name).toBe('invalid_input');
    }
    const held = await app.db.query(
      `SELECT count(*)::int AS n FROM bookings WHERE family_id = $1 AND status IN ('held', 'confirmed')`,
      [family.id],
    );
    expect(held.rows[0].n).toBe(0);
  });
});
