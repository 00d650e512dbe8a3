import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { tokenForInterpreterMail } from '../../server/src/features/interpreters/interpreter-links.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { issueStaffLink } from '../../server/src/features/staff/staff-links.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { postCsv } from '../support/csv-import.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The record walk ("a record of all transactions"). Every operation of the
 * OpenAPI document that is not a GET — read from the document, so a route added
 * tomorrow fails the last test until it is walked here — is called once so that it
 * succeeds, and then the record is read back by SQL: an operation whose changes are
 * booking changes (`x-recorded: booking_log`) left booking-log rows and no audit row;
 * every other change left exactly one audit row naming the operation, the school and
 * who acted; an operation that changes nothing (`x-recorded: not`) left none. Secrets
 * never reach the record, and what a person typed is masked.
 */
let app: TestApp;
let s: SeededSchool;
let doc: any;
const tokens: Record<string, string> = {};
const walked = new Set<string>();

type Res = { status: number; body: any };
type Step = () => Promise<Res>;

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  s = await seedSmallSchool(app, { code: 'RECW', families: 14, teachers: 5, teachersPerStudent: 3 });
  tokens.admin = await loginStaff(app, s.admin.email);
  tokens.teacher = await loginStaff(app, s.teachers[0]!.email);
  for (let i = 0; i < 8; i++) tokens[`f${i}`] = await loginFamily(app, s, i);
  const operators = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}op`, 100, 60),
  );
  await operators.create(
    { email: 'walk-ops@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  tokens.operator = (
    await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'walk-ops@example.org', password: 'a long operator passphrase' },
    })
  ).body.token;
  doc = (await app.api('GET', '/api/v1/openapi.json')).body;
});
afterAll(async () => {
  await app?.close();
});

/** Every non-GET operation of the document: its id and where it says its changes are recorded. */
function writeOperations(): { operationId: string; recorded: string }[] {
  const out: { operationId: string; recorded: string }[] = [];
  for (const ops of Object.values<any>(doc.paths))
    for (const [method, op] of Object.entries<any>(ops))
      if (method !== 'get') out.push({ operationId: op.operationId, recorded: op['x-recorded'] });
  return out;
}

const maxId = async (table: string) =>
  Number((await app.db.query(`SELECT coalesce(max(id), 0) AS n FROM ${table}`)).rows[0].n);

/** Calls one operation and checks what the record holds afterwards. */
async function walk(
  operationId: string,
  step: Step,
  expectActor?: { kind: string; id: string | null },
): Promise<any[]> {
  const op = writeOperations().find((o) => o.operationId === operationId);
  expect(op, `${operationId} is in the OpenAPI document`).toBeDefined();
  const audit = await maxId('audit_log');
  const log = await maxId('booking_log');
  const res = await step();
  expect(res.status, `${operationId}: ${JSON.stringify(res.body)}`).toBe(200);
  walked.add(operationId);
  const { rows } = await app.db.query('SELECT * FROM audit_log WHERE id > $1 AND action = $2', [
    audit,
    operationId,
  ]);
  const logged = await app.db.query('SELECT * FROM booking_log WHERE id > $1', [log]);
  if (op!.recorded === 'booking_log') {
    expect(logged.rowCount, `${operationId} left booking-log rows`).toBeGreaterThan(0);
    expect(rows).toEqual([]);
  } else if (op!.recorded === 'audit' || op!.recorded === 'by_service') {
    expect(rows, `${operationId} recorded once`).toHaveLength(1);
    if (expectActor)
      expect(rows[0]).toMatchObject({ actor_kind: expectActor.kind, actor_id: expectActor.id });
    // Never a secret in the record.
    const text = JSON.stringify(rows[0]);
    for (const secret of [PASSWORD, 'a long operator passphrase', 'brand new walk phrase', tokens.admin])
      expect(text).not.toContain(secret);
  } else {
    expect(op!.recorded).toBe('not');
    expect(rows).toEqual([]);
  }
  return rows;
}

const api = (method: string, path: string, token?: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body }) as Promise<Res>;

const staffActor = () => ({ kind: 'staff', id: s.admin.id });
const studentOf = (i: number) => s.families[i]!.studentIds[0]!;
const teachersOf = (studentId: string) => s.students.find((x) => x.id === studentId)!.teacherIds;

async function freeSlot(teacherId: string, skip = 0): Promise<string> {
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.staff_id = $1 AND s.event_id = $2 AND NOT s.blocked
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND booking_is_active(b.status, b.expires_at))
      ORDER BY s.starts_at OFFSET $3 LIMIT 1`,
    [teacherId, s.eventId, skip],
  );
  return rows[0]!.id;
}

/** A confirmed booking of family i with its first child's teacher number t. */
async function book(
  i: number,
  t = 0,
  skip = 0,
): Promise<{ bookingId: string; slotId: string; teacherId: string }> {
  const teacherId = teachersOf(studentOf(i))[t]!;
  const slotId = await freeSlot(teacherId, skip);
  const held = await api('POST', '/holds', tokens[`f${i}`], { slotId, studentId: studentOf(i) });
  expect(held.status, JSON.stringify(held.body)).toBe(200);
  const confirmed = await api('POST', '/holds/confirm', tokens[`f${i}`], {
    eventId: s.eventId,
    holdIds: [held.body.id],
  });
  expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
  return { bookingId: held.body.id, slotId, teacherId };
}

describe('every change is recorded once', () => {
  it('sign-in, sign-out and password links', async () => {
    const [signIn] = await walk('loginStaff', () =>
      api('POST', '/auth/staff/login', undefined, { email: s.teachers[1]!.email, password: PASSWORD }),
    );
    expect(signIn).toMatchObject({ school_id: s.schoolId, actor_kind: 'staff', actor_id: s.teachers[1]!.id });
    const f = s.families[9]!;
    const [family] = await walk('loginFamily', () =>
      api('POST', '/auth/family/login', undefined, {
        schoolCode: s.schoolCode,
        surname: f.surname,
        accessCode: f.accessCode,
      }),
    );
    expect(family).toMatchObject({ school_id: s.schoolId, actor_kind: 'family', actor_id: f.id });
    // What the family typed is masked: its surname is not in the record.
    expect(JSON.stringify(family.detail)).not.toContain(f.surname);
    const spare = await loginFamily(app, s, 10);
    await walk('logout', () => api('POST', '/auth/logout', spare), {
      kind: 'family',
      id: s.families[10]!.id,
    });
    await walk('requestPasswordReset', () =>
      api('POST', '/auth/password/reset-request', undefined, { email: s.teachers[2]!.email }),
    );
    const link = await issueStaffLink(
      app.db,
      s.teachers[3]!.id,
      'reset',
      60_000,
      serverKeys(app.config.SERVER_SECRET).mailSeal,
    );
    await walk('setPasswordWithLink', () =>
      api('POST', '/auth/password', undefined, { token: link.token, password: 'brand new walk phrase' }),
    );
  });

  it('bookings: each change in the booking log, not twice', async () => {
    const teacherId = teachersOf(studentOf(0))[0]!;
    const slotId = await freeSlot(teacherId);
    let holdId = '';
    await walk('createHold', async () => {
      const r = await api('POST', '/holds', tokens.f0, { slotId, studentId: studentOf(0) });
      holdId = r.body.id;
      return r;
    });
    await walk('extendHold', () => api('POST', `/holds/${holdId}/extend`, tokens.f0), {
      kind: 'family',
      id: s.families[0]!.id,
    });
    await walk('confirmHolds', () => api('POST', '/holds/confirm', tokens.f0, { eventId: s.eventId }));
    const other = await freeSlot(teachersOf(studentOf(0))[1]!, 2);
    const hold = await api('POST', '/holds', tokens.f0, { slotId: other, studentId: studentOf(0) });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    await walk('releaseHold', () => api('DELETE', `/holds/${hold.body.id}`, tokens.f0));
    await walk('moveOwnBooking', async () =>
      api('POST', `/bookings/${holdId}/move`, tokens.f0, { slotId: await freeSlot(teacherId, 3) }),
    );
    await walk('cancelBooking', () => api('POST', `/bookings/${holdId}/cancel`, tokens.f0));
    const b1 = await book(1);
    await walk('moveBooking', async () =>
      api('POST', `/admin/bookings/${b1.bookingId}/move`, tokens.admin, {
        slotId: await freeSlot(b1.teacherId, 5),
      }),
    );
    await walk('setSlotBlocked', async () =>
      api('POST', `/slots/${await freeSlot(b1.teacherId, 7)}/block`, tokens.admin, { blocked: true }),
    );
    const b2 = await book(2);
    await walk('setBookingNote', async () => {
      const teacherToken = await loginStaff(app, s.teachers.find((t) => t.id === b2.teacherId)!.email);
      return api('PUT', `/bookings/${b2.bookingId}/note`, teacherToken, { body: 'Bring the reading log' });
    });
    const c = studentOf(3);
    await walk('holdItinerary', async () =>
      api('POST', `/events/${s.eventId}/itinerary/hold`, tokens.f3, {
        meetings: [{ studentId: c, slotId: await freeSlot(teachersOf(c)[0]!, 9) }],
      }),
    );
    await walk('proposeItinerary', () =>
      api('POST', `/events/${s.eventId}/itinerary/propose`, tokens.f4, {
        children: [{ studentId: studentOf(4), teacherIds: teachersOf(studentOf(4)).slice(0, 1) }],
      }),
    );
  });

  it('events, availability and slots, with settings before and after', async () => {
    const [update] = await walk(
      'updateEvent',
      () => api('PATCH', `/admin/events/${s.eventId}`, tokens.admin, { maxPerStudent: 5 }),
      staffActor(),
    );
    expect(update.target).toEqual({ eventId: s.eventId });
    expect(update.detail.request).toEqual({ maxPerStudent: 5 });
    expect(update.detail.before.maxPerStudent).not.toBe(5);
    expect(update.detail.after.maxPerStudent).toBe(5);
    const created = await walk(
      'createEvent',
      () =>
        api('POST', '/admin/events', tokens.admin, {
          name: 'Spring evening',
          bookingOpensAt: new Date(Date.now() + 86_400_000).toISOString(),
          bookingClosesAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
          slotMinutes: 5,
          gapMinutes: 0,
          maxPerStudent: 3,
          holdSeconds: 120,
        }),
      staffActor(),
    );
    expect(created[0].target.id).toMatch(/^[0-9a-f-]{36}$/);
    tokens.newEvent = created[0].target.id;
    // Its sittings, before and after in the record.
    const [sittings] = await walk(
      'setEventSittings',
      () =>
        api('PUT', `/admin/events/${tokens.newEvent}/sittings`, tokens.admin, {
          sittings: [{ date: '2030-03-05', from: '16:00', to: '19:00', label: 'Evening' }],
        }),
      staffActor(),
    );
    expect(sittings.detail.before).toEqual([]);
    expect(sittings.detail.after).toEqual([
      // A label is free text: the record keeps only that one was given.
      expect.objectContaining({ label: '(given)', startsAt: '2030-03-05T16:00:00.000Z' }),
    ]);
    const availability = await api('GET', `/admin/events/${s.eventId}/availability`, tokens.admin);
    const t4 = availability.body.teachers.find((t: any) => t.teacherId === s.teachers[4]!.id);
    const date = t4.windows[0].date;
    const [avail] = await walk(
      'setTeacherAvailability',
      () =>
        api('PUT', `/admin/events/${s.eventId}/teachers/${t4.teacherId}/availability`, tokens.admin, {
          windows: [{ date, from: t4.windows[0].from, to: '18:30' }],
        }),
      staffActor(),
    );
    expect(avail.detail.before.windows).toEqual(t4.windows);
    expect(avail.detail.after.windows).toEqual([{ date, from: t4.windows[0].from, to: '18:30' }]);
    // A teacher's own: opened to teachers by a deadline, inside the event's hours.
    await app.db.query(
      `UPDATE events SET availability_deadline_at = now() + interval '1 hour' WHERE id = $1`,
      [s.eventId],
    );
    const t0 = availability.body.teachers.find((t: any) => t.teacherId === s.teachers[0]!.id);
    const [own] = await walk(
      'setMyAvailability',
      () =>
        api('PUT', `/teacher/events/${s.eventId}/availability`, tokens.teacher, {
          room: t0.room,
          windows: t0.windows,
          breaks: [{ date, from: '18:40', to: '18:50' }],
        }),
      { kind: 'staff', id: s.teachers[0]!.id },
    );
    expect(own.detail.after.breaks).toEqual([{ date, from: '18:40', to: '18:50' }]);
    // A teacher's invitation to book, to a family of their classes who has not booked them.
    const invitable = s.families.find((f) =>
      f.studentIds.some((id) => teachersOf(id).includes(s.teachers[0]!.id)),
    )!;
    const [invitation] = await walk(
      'sendBookingInvitations',
      () =>
        api('POST', `/teacher/events/${s.eventId}/invitations`, tokens.teacher, {
          familyIds: [invitable.id],
        }),
      { kind: 'staff', id: s.teachers[0]!.id },
    );
    expect(invitation.detail.request.familyIds).toEqual([invitable.id]);
    let added = '';
    await walk('addSlot', async () => {
      const r = await api('POST', `/admin/events/${s.eventId}/slots`, tokens.admin, {
        teacherId: t4.teacherId,
        date,
        from: '20:00',
        minutes: 5,
      });
      added = r.body.id ?? r.body.slot?.id;
      return r;
    });
    await walk(
      'lengthenSlot',
      () => api('POST', `/admin/slots/${added}/lengthen`, tokens.admin, { minutes: 5 }),
      staffActor(),
    );
    await walk('removeSlot', () => api('DELETE', `/admin/slots/${added}`, tokens.admin));
    await walk('setSharedChildMode', () =>
      api('PUT', `/admin/events/${tokens.newEvent}/shared-child-mode`, tokens.admin, { mode: 'separate' }),
    );
    await walk('linkFamilyStudent', () =>
      api('POST', `/admin/families/${s.families[11]!.id}/students`, tokens.admin, {
        studentId: studentOf(12),
      }),
    );
  });
});

describe('every other change is recorded once', () => {
  it('staff accounts, access codes, imports and erasure', async () => {
    await walk(
      'inviteStaff',
      () =>
        api('POST', '/admin/staff-accounts', tokens.admin, {
          email: 'new.teacher@walk.example.org',
          firstName: 'Newton',
          surname: 'Teachwell',
          isTeacher: true,
        }),
      staffActor(),
    ).then(([row]) => expect(JSON.stringify(row)).not.toMatch(/new\.teacher@walk|Teachwell/));
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM staff WHERE email = $1', [
      'new.teacher@walk.example.org',
    ]);
    const staffId = rows[0]!.id;
    await walk('sendStaffPasswordLink', () =>
      api('POST', `/admin/staff-accounts/${staffId}/send-link`, tokens.admin),
    );
    await walk('deactivateStaff', () =>
      api('POST', `/admin/staff-accounts/${staffId}/deactivate`, tokens.admin),
    );
    await walk('reactivateStaff', () =>
      api('POST', `/admin/staff-accounts/${staffId}/reactivate`, tokens.admin),
    );

    const withMail = s.families.find((f, i) => i >= 12 && f.email)!;
    const codes = { familyIds: [withMail.id] };
    await walk(
      'issueAccessCodes',
      () => api('POST', '/admin/access-codes', tokens.admin, codes),
      staffActor(),
    );
    await walk('printAccessCodeLetters', () =>
      api('POST', '/admin/access-codes/letters', tokens.admin, codes),
    );
    await walk('emailAccessCodes', () => api('POST', '/admin/access-codes/email', tokens.admin, codes));

    const csv = 'family_id,surname,email\r\nWALK1,Walker,walker@walk.example.org\r\n';
    const check = await walk('importCsv', () => postCsv(app, tokens.admin!, csv, '?dryRun=1'));
    expect(JSON.stringify(check)).not.toContain('Walker');
    let importId = '';
    const plan = (await postCsv(app, tokens.admin!, csv, '?dryRun=1')).body.planId;
    await walk('importCsv', async () => {
      const done = await postCsv(app, tokens.admin!, csv, `?plan=${plan}`);
      importId = done.body.importId;
      return done;
    });
    await walk('restoreImport', () => api('POST', `/admin/imports/${importId}/restore`, tokens.admin));
    await walk(
      'eraseFamily',
      () => api('POST', `/admin/families/${s.families[13]!.id}/erase`, tokens.admin),
      staffActor(),
    );
  });

  it('feedback, complaints and the operator', async () => {
    let familyRef: { reference: string; secret?: string } = { reference: '' };
    await walk(
      'submitFeedback',
      async () => {
        const r = await api('POST', '/feedback', tokens.f5, {
          kind: 'complaint',
          subject: 'Walk subject',
          body: 'Walk private message',
        });
        familyRef = r.body;
        return r;
      },
      { kind: 'family', id: s.families[5]!.id },
    ).then(([row]) => expect(JSON.stringify(row)).not.toContain('Walk private message'));
    const { rows } = await app.db.query<{ id: string }>('SELECT id FROM feedback WHERE reference = $1', [
      familyRef.reference,
    ]);
    await walk('replyFeedback', () =>
      api('POST', `/admin/feedback/${rows[0]!.id}/replies`, tokens.admin, {
        body: 'We are sorry',
        status: 'resolved',
      }),
    );
    await walk('getFeedbackStatus', () =>
      api('POST', '/feedback/status', undefined, {
        reference: familyRef.reference,
        secret: familyRef.secret,
      }),
    );
    let serviceRef = '';
    await walk('submitPublicFeedback', async () => {
      const r = await api('POST', '/feedback/public', undefined, {
        kind: 'complaint',
        name: 'A Walker',
        subject: 'The service was slow',
        body: 'It took a minute',
      });
      serviceRef = r.body.reference;
      return r;
    });
    const service = await app.db.query<{ id: string }>('SELECT id FROM feedback WHERE reference = $1', [
      serviceRef,
    ]);
    await walk(
      'replyServiceFeedback',
      () =>
        api('POST', `/operator/feedback/${service.rows[0]!.id}/replies`, tokens.operator, {
          body: 'Fixed now',
          status: 'resolved',
        }),
      { kind: 'operator', id: null },
    );
    const second = await walk('loginOperator', () =>
      api('POST', '/operator/login', undefined, {
        email: 'walk-ops@example.org',
        password: 'a long operator passphrase',
      }),
    );
    expect(second[0].actor_kind).toBe('public');
    const again = await api('POST', '/operator/login', undefined, {
      email: 'walk-ops@example.org',
      password: 'a long operator passphrase',
    });
    await walk('logoutOperator', () => api('POST', '/operator/logout', again.body.token));
    const [school] = await walk('createSchool', () =>
      api('POST', '/operator/schools', tokens.operator, {
        code: 'WALKNEW',
        name: 'Walk New School',
        timeZone: 'Europe/London',
        retentionDays: 400,
      }),
    );
    expect(school.actor_kind).toBe('operator');
    const { rows: made } = await app.db.query<{ id: string }>(
      "SELECT id FROM schools WHERE code = 'WALKNEW'",
    );
    const [changed] = await walk('updateSchool', () =>
      api('PATCH', `/operator/schools/${made[0]!.id}`, tokens.operator, {
        suspended: true,
        retentionDays: 500,
      }),
    );
    expect(changed.actor_kind).toBe('operator');
    expect(changed.school_id).toBe(made[0]!.id);
    const update = { subject: 'Walk update', body: 'Maintenance tonight' };
    await walk('previewSystemUpdate', () =>
      api('POST', '/operator/system-updates/preview', tokens.operator, update),
    );
    const [sent] = await walk('sendSystemUpdate', () =>
      api('POST', '/operator/system-updates', tokens.operator, update),
    );
    expect(sent.actor_kind).toBe('operator');
    expect(sent.detail.after.updateId).toMatch(/^update-/);
  });

  it('the public feedback form, past the API, is recorded as the API is', async () => {
    const before = await maxId('audit_log');
    const posted = await fetch(`${app.url}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        kind: 'feedback',
        name: 'Form Person',
        subject: 'Form subject',
        body: 'Form words',
      }),
    });
    expect(posted.status).toBe(200);
    const { rows } = await app.db.query('SELECT * FROM audit_log WHERE id > $1', [before]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'submitPublicFeedback', actor_kind: 'public', school_id: null });
    expect(JSON.stringify(rows[0])).not.toMatch(/Form (Person|subject|words)/);
  });

  it('school settings, with the period before and after', async () => {
    const [row] = await walk(
      'updateSchoolSettings',
      () => api('PATCH', '/admin/school/settings', tokens.admin, { retentionDays: 700 }),
      staffActor(),
    );
    expect(row.detail.before.retentionDays).not.toBe(700);
    expect(row.detail.after.retentionDays).toBe(700);
  });

  it('interpreters, their windows and a family’s need', async () => {
    const [created] = await walk(
      'createInterpreter',
      () => api('POST', '/admin/interpreters', tokens.admin, { name: 'Walk Interpreter', languages: ['pl'] }),
      staffActor(),
    );
    const id = created.target.id as string;
    await walk('updateInterpreter', () =>
      api('PATCH', `/admin/interpreters/${id}`, tokens.admin, { languages: ['pl', 'ro'] }),
    );
    const { rows } = await app.db.query<{ d: string }>(
      `SELECT to_char(min(starts_at) AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS d FROM slots WHERE event_id = $1`,
      [s.eventId],
    );
    await walk('setInterpreterWindows', () =>
      api('PUT', `/admin/events/${s.eventId}/interpreters/${id}/windows`, tokens.admin, {
        windows: [{ date: rows[0]!.d, from: '16:00', to: '17:00' }],
      }),
    );
    const family = s.families[12]!.id;
    await walk('setFamilyInterpreter', () =>
      api('PUT', `/admin/families/${family}/interpreter`, tokens.admin, { language: 'pl' }),
    );
    await walk('clearFamilyInterpreter', () =>
      api('DELETE', `/admin/families/${family}/interpreter`, tokens.admin),
    );
    await walk('deleteInterpreter', () => api('DELETE', `/admin/interpreters/${id}`, tokens.admin));
    const own = { kind: 'family', id: s.families[6]!.id };
    const [set] = await walk(
      'setMyInterpreter',
      () => api('PUT', '/me/interpreter', tokens.f6, { language: 'PL' }),
      own,
    );
    expect(set.detail).toMatchObject({ before: { language: null }, request: { language: 'PL' } });
    const [cleared] = await walk(
      'clearMyInterpreter',
      () => api('DELETE', '/me/interpreter', tokens.f6),
      own,
    );
    expect(cleared.detail).toMatchObject({ before: { language: 'pl' } });
  });

  it('an interpreter’s schedule mail, sign-in and sign-out', async () => {
    const made = await api('POST', '/admin/interpreters', tokens.admin, {
      name: 'Walk Mailed',
      languages: ['ur'],
      email: 'walk-interpreter@example.org',
    });
    const id = made.body.id as string;
    await walk(
      'mailInterpreterSchedules',
      () => api('POST', `/admin/events/${s.eventId}/interpreters/schedule-mail`, tokens.admin),
      staffActor(),
    );
    await walk(
      'mailInterpreterSchedule',
      () => api('POST', `/admin/events/${s.eventId}/interpreters/${id}/schedule-mail`, tokens.admin),
      staffActor(),
    );
    const { rows } = await app.db.query<{ id: string }>(
      'SELECT id FROM interpreter_links WHERE interpreter_id = $1 AND used_at IS NULL',
      [id],
    );
    const link = await tokenForInterpreterMail(
      app.db,
      rows[0]!.id,
      id,
      serverKeys(app.config.SERVER_SECRET).mailSeal,
    );
    let session = '';
    const [signIn] = await walk(
      'loginInterpreter',
      async () => {
        const res = await api('POST', '/auth/interpreter/login', undefined, { token: link!.token });
        session = res.body.token;
        return res;
      },
      { kind: 'interpreter', id },
    );
    // The link's token is a secret: not in the record.
    expect(JSON.stringify(signIn)).not.toContain(link!.token);
    await walk('logoutInterpreter', () => api('POST', '/interpreter/logout', session), {
      kind: 'interpreter',
      id,
    });
  });

  it('a family’s language and the school’s own words', async () => {
    const [own] = await walk(
      'setMyLanguage',
      () => api('PUT', '/me/language', tokens.f6, { language: 'cy' }),
      { kind: 'family', id: s.families[6]!.id },
    );
    expect(own.detail).toMatchObject({ before: { language: null } });
    await walk(
      'setFamilyLanguage',
      () => api('PUT', `/admin/families/${s.families[6]!.id}/language`, tokens.admin, { language: 'pl' }),
      staffActor(),
    );
    const [set] = await walk(
      'setMessageOverride',
      () =>
        api('PUT', '/admin/messages/cy/login_heading', tokens.admin, { text: 'Trefnwch eich noson rieni' }),
      staffActor(),
    );
    expect(set.target).toMatchObject({ locale: 'cy', key: 'login_heading' });
    const [cleared] = await walk(
      'clearMessageOverride',
      () => api('DELETE', '/admin/messages/cy/login_heading', tokens.admin),
      staffActor(),
    );
    // There was a text before (what a person typed is masked in the record).
    expect(cleared.detail).toMatchObject({ before: { text: expect.any(String) } });
  });

  it('mail preferences and the system-update opt-out', async () => {
    await walk(
      'setMailPreferences',
      () => api('PUT', '/admin/mail-preferences', tokens.admin, { systemUpdates: false }),
      staffActor(),
    );
    const { rows } = await app.db.query<{ token: string }>(
      'SELECT mail_opt_out_token AS token FROM staff WHERE id = $1',
      [s.admin.id],
    );
    const [out] = await walk('optInToSystemMail', () => api('DELETE', `/mail/opt-out/${rows[0]!.token}`));
    expect(out.school_id).toBe(s.schoolId);
    await walk('optOutOfSystemMail', () => api('POST', `/mail/opt-out/${rows[0]!.token}`));
  });

  it('fairness, the queue, waiting lists, offers and the evening itself', async () => {
    const i = 7;
    const studentId = studentOf(i);
    const teacherId = teachersOf(studentId).at(-1)!;
    // The teacher is full: every free slot blocked (set-up, not a walked call).
    await app.db.query(
      `UPDATE slots SET blocked = true WHERE staff_id = $1 AND event_id = $2 AND NOT EXISTS (
         SELECT 1 FROM bookings b WHERE b.slot_id = slots.id AND booking_is_active(b.status, b.expires_at))`,
      [teacherId, s.eventId],
    );
    let entryId = '';
    await walk(
      'joinWaitlist',
      async () => {
        const r = await api('POST', `/events/${s.eventId}/waitlist`, tokens[`f${i}`], {
          studentId,
          teacherId,
        });
        entryId = r.body.id ?? r.body.entry?.id;
        return r;
      },
      { kind: 'family', id: s.families[i]!.id },
    );
    await walk('setMustSee', () =>
      api('PUT', `/waitlist/${entryId}/must-see`, tokens.admin, { mustSee: true }),
    );
    await walk('reorderWaitlist', () =>
      api('PUT', `/events/${s.eventId}/waitlist/${teacherId}/order`, tokens.admin, { entryIds: [entryId] }),
    );
    await walk('leaveWaitlist', () => api('DELETE', `/waitlist/${entryId}`, tokens[`f${i}`]));

    // Offers as the waiting list makes them (set-up by SQL, as the walk of schools does).
    const { rows: freed } = await app.db.query<{ id: string }>(
      `UPDATE slots SET blocked = false WHERE id IN (
         SELECT id FROM slots WHERE staff_id = $1 AND event_id = $2 AND blocked ORDER BY starts_at DESC LIMIT 2)
       RETURNING id`,
      [teacherId, s.eventId],
    );
    const offer = async (slotId: string) =>
      (
        await app.db.query<{ id: string }>(
          `INSERT INTO offers (kind, event_id, slot_id, family_id, student_id, expires_at)
           VALUES ('waitlist', $1, $2, $3, $4, now() + interval '1 hour') RETURNING id`,
          [s.eventId, slotId, s.families[i]!.id, studentId],
        )
      ).rows[0]!.id;
    const declined = await offer(freed[0]!.id);
    await walk('declineOffer', () => api('POST', `/offers/${declined}/decline`, tokens[`f${i}`]));
    const accepted = await offer(freed[1]!.id);
    await walk('acceptOffer', () => api('POST', `/offers/${accepted}/accept`, tokens[`f${i}`]));

    const lateTeacher = s.teachers[0]!;
    await walk(
      'setRunningLate',
      async () =>
        api(
          'PUT',
          `/events/${s.eventId}/teachers/${lateTeacher.id}/running-late`,
          await loginStaff(app, lateTeacher.email),
          {
            minutes: 10,
          },
        ),
      { kind: 'staff', id: lateTeacher.id },
    );
    await walk('markAbsent', () =>
      api('POST', `/events/${s.eventId}/teachers/${s.teachers[4]!.id}/absence`, tokens.admin, {
        wholeEvening: true,
      }),
    );

    await walk('setFairness', () =>
      api('PUT', `/events/${s.eventId}/fairness`, tokens.admin, { mode: 'fcfs', queueLimit: 50 }),
    );
    await walk('joinQueue', () => api('POST', `/events/${s.eventId}/queue`, tokens.f6));
    await walk('leaveQueue', () => api('DELETE', `/events/${s.eventId}/queue`, tokens.f6));

    // A fair start collecting requests: the new event, chosen before it opens, then opened a minute ago.
    const set = await api('PUT', `/events/${tokens.newEvent}/fairness`, tokens.admin, {
      mode: 'fair_start',
      windowMinutes: 30,
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const opened = await api('PATCH', `/admin/events/${tokens.newEvent}`, tokens.admin, {
      bookingOpensAt: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    await walk('submitFairStartRequests', () =>
      api('PUT', `/events/${tokens.newEvent}/fair-start/requests`, tokens.f6, {
        choices: [{ studentId: studentOf(6), teacherId: teachersOf(studentOf(6))[0]! }],
      }),
    );
    await walk('countPageView', () =>
      api('POST', '/stats/page-view', undefined, { page: 'parent', first: true }),
    );
  });
});

describe('the school reads its record', () => {
  it('pages through every booking-log and audit row of the school once, newest first, and exports them', async () => {
    const { rows } = await app.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM audit_log WHERE school_id = $1)
            + (SELECT count(*) FROM booking_log l JOIN events e ON e.id = l.event_id WHERE e.school_id = $1) AS n`,
      [s.schoolId],
    );
    const total = Number(rows[0]!.n);
    expect(total).toBeGreaterThan(100);
    const keys: string[] = [];
    const times: string[] = [];
    let before: string | null = null;
    do {
      const q: string = `/admin/transactions?limit=37${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const page = await api('GET', q, tokens.admin);
      expect(page.status).toBe(200);
      for (const e of page.body.entries) {
        keys.push(e.key);
        times.push(e.at);
      }
      before = page.body.next;
    } while (before);
    expect(keys).toHaveLength(total);
    expect(new Set(keys).size).toBe(total);
    expect([...times].sort().reverse()).toEqual(times);
    const csv = await fetch(`${app.url}/api/v1/admin/transactions.csv`, {
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).trim().split('\r\n')).toHaveLength(total + 1);
    expect((await api('GET', '/admin/transactions?before=nonsense', tokens.admin)).status).toBe(400);
    expect((await api('GET', '/admin/transactions', tokens.f0)).status).toBe(403);
  });
});

describe('the walk covered the document', () => {
  it('pausing and resuming booking, by an admin and by the operator', async () => {
    const [paused] = await walk(
      'pauseEventBooking',
      () => api('PUT', `/admin/events/${s.eventId}/pause`, tokens.admin, { message: 'Back at 19:30.' }),
      staffActor(),
    );
    expect(paused.detail.before).toBeNull();
    // The message is what a person typed: masked in the record, as every such text.
    expect(paused.detail.after).toMatchObject({ by: 'school', message: '(given)' });
    const [resumed] = await walk(
      'resumeEventBooking',
      () => api('DELETE', `/admin/events/${s.eventId}/pause`, tokens.admin),
      staffActor(),
    );
    expect(resumed.detail.after).toBeNull();
    await walk(
      'pauseServiceBooking',
      () => api('PUT', '/operator/pause', tokens.operator, { message: 'Maintenance.' }),
      { kind: 'operator', id: null },
    );
    await walk('resumeServiceBooking', () => api('DELETE', '/operator/pause', tokens.operator), {
      kind: 'operator',
      id: null,
    });
    const op = { kind: 'operator', id: null };
    const [one] = await walk(
      'operatorPauseEventBooking',
      () => api('PUT', `/operator/events/${s.eventId}/pause`, tokens.operator, { message: 'Back soon.' }),
      op,
    );
    expect(one.detail.after).toMatchObject({ message: '(given)' });
    await walk(
      'operatorResumeEventBooking',
      () => api('DELETE', `/operator/events/${s.eventId}/pause`, tokens.operator),
      op,
    );
  });

  it('the operator’s messages on /status and the schools’ pages', async () => {
    const op = { kind: 'operator', id: null };
    const [posted] = await walk(
      'postServiceMessage',
      () =>
        api('POST', '/operator/messages', tokens.operator, {
          body: 'Booking opens at 19:30.',
          schoolId: s.schoolId,
        }),
      op,
    );
    const id = posted.detail.after.id;
    expect(posted.detail.after).toMatchObject({ schoolId: s.schoolId });
    await walk(
      'editServiceMessage',
      () => api('PUT', `/operator/messages/${id}`, tokens.operator, { body: 'At 19:45.' }),
      op,
    );
    await walk('endServiceMessage', () => api('DELETE', `/operator/messages/${id}`, tokens.operator), op);
  });

  it('walked every operation that is not a GET', () => {
    const missing = writeOperations()
      .map((o) => o.operationId)
      .filter((id) => !walked.has(id));
    expect(missing).toEqual([]);
  });
});
