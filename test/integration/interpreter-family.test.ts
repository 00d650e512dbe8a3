import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18, the family's own side of interpreters: it says it needs one (PUT and
// DELETE /me/interpreter), its next hold needs one free, the holds it already had are
// not changed, and GET /events/:id/interpreter says where one is free now.
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
let app: TestApp;
let school: SeededSchool;
let admin: string;
let family: string;
let familyId: string;
let studentId: string;
let teacherSlots: { id: string; startsAt: string }[];
let otherTeacher: string;
let earlyHold: string;

const api = (method: string, path: string, token: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, { token, body });

/** What /me says of the family's need, and what the family's data export lists. */
const meSays = async () => {
  const me = await api('GET', '/me', family);
  expect(me.status).toBe(200);
  return me.body.family.interpreterLanguage as string | null;
};
const exported = async () => {
  const res = await api('GET', `/admin/families/${familyId}/export`, admin);
  expect(res.status).toBe(200);
  return res.body;
};

const need = async () =>
  (
    await app.db.query<{ l: string | null }>('SELECT interpreter_language AS l FROM families WHERE id = $1', [
      familyId,
    ])
  ).rows[0]!.l;

const slotAt = async (teacherId: string, at: string) =>
  (
    await app.db.query<{ id: string }>(
      `SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2
          AND to_char(starts_at AT TIME ZONE $3, 'HH24:MI') = $4`,
      [school.eventId, teacherId, ZONE, at],
    )
  ).rows[0]!.id;

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  school = await seedSmallSchool(app, {
    code: 'INTFAM',
    teachers: 2,
    families: 2,
    teachersPerStudent: 2,
    siblingShare: 0,
    timeZone: ZONE,
    eveningDate: evening,
    slotMinutes: 10,
    from: '16:00',
    to: '16:40',
  });
  admin = await loginStaff(app, school.admin.email);
  family = await loginFamily(app, school, 0);
  familyId = school.families[0]!.id;
  studentId = school.families[0]!.studentIds[0]!;
  const [teacherId, second] = school.students.find((s) => s.id === studentId)!.teacherIds;
  otherTeacher = second!;
  const { rows } = await app.db.query<{ id: string; starts_at: Date }>(
    'SELECT id, starts_at FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at',
    [school.eventId, teacherId],
  );
  teacherSlots = rows.map((r) => ({ id: r.id, startsAt: r.starts_at.toISOString() }));
  // One Polish interpreter, sitting 16:10–16:30 only.
  const made = await api('POST', '/admin/interpreters', admin, { name: 'Ola', languages: ['pl'] });
  expect(made.status).toBe(200);
  const windows = await api(
    'PUT',
    `/admin/events/${school.eventId}/interpreters/${made.body.id}/windows`,
    admin,
    { windows: [{ date: evening, from: '16:10', to: '16:30' }] },
  );
  expect(windows.status).toBe(200);
});
afterAll(async () => {
  await app?.close();
});

describe('a family says it needs an interpreter', () => {
  it('refuses staff and a code that is not BCP-47, writing nothing', async () => {
    const staff = await api('PUT', '/me/interpreter', admin, { language: 'pl' });
    expect(staff.status).toBe(403);
    expect(staff.body.error.code).toBe('forbidden');
    expect((await api('DELETE', '/me/interpreter', admin)).status).toBe(403);
    expect((await api('GET', `/events/${school.eventId}/interpreter`, admin)).status).toBe(403);
    for (const language of ['polish please', '', 'p', 'pl_PL', 'x'.repeat(40)]) {
      const bad = await api('PUT', '/me/interpreter', family, { language });
      expect(bad.status, language).toBe(400);
      expect(bad.body.error.code).toBe('invalid_input');
    }
    expect((await api('PUT', '/me/interpreter', family, { language: 'pl', extra: 1 })).status).toBe(400);
    expect(await need()).toBeNull();
    // Nothing to clear: refused, so the record holds no change that was none.
    const none = await api('DELETE', '/me/interpreter', family);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('not_found');
    const { rowCount } = await app.db.query(
      `SELECT 1 FROM audit_log WHERE action IN ('setMyInterpreter', 'clearMyInterpreter')`,
    );
    expect(rowCount).toBe(0);
    // Needing none, the family is told so rather than sent every slot.
    const free = await api('GET', `/events/${school.eventId}/interpreter`, family);
    expect(free.body).toEqual({ eventId: school.eventId, interpreter: null });
  });

  it('keeps the holds it had, and from then on a hold needs an interpreter free', async () => {
    // Held at 16:00 (the other teacher) before the need: no interpreter then, and none is added later.
    const early = await api('POST', '/holds', family, {
      slotId: await slotAt(otherTeacher, '16:00'),
      studentId,
    });
    expect(early.status, JSON.stringify(early.body)).toBe(200);
    earlyHold = early.body.id;

    const set = await api('PUT', '/me/interpreter', family, { language: 'PL' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ familyId, language: 'pl' });
    expect(await need()).toBe('pl');
    // Signing in again, or reading /me, says it: the screen starts from it.
    expect(await meSays()).toBe('pl');
    const f = school.families[0]!;
    const login = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: school.schoolCode, surname: f.surname, accessCode: f.accessCode },
    });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.me.family.interpreterLanguage).toBe('pl');
    // The family's data export lists it with the family's own language.
    await app.db.query(`UPDATE families SET language = 'cy' WHERE id = $1`, [familyId]);
    const data = await exported();
    expect(data.family).toMatchObject({ language: 'cy', interpreterLanguage: 'pl' });
    const { rows: audit } = await app.db.query(
      `SELECT actor_kind, actor_id, detail FROM audit_log WHERE action = 'setMyInterpreter'`,
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor_kind: 'family',
        actor_id: familyId,
        detail: expect.objectContaining({ before: { language: null } }),
      }),
    ]);

    const { rowCount: kept } = await app.db.query(
      'SELECT 1 FROM booking_interpreters WHERE booking_id = $1',
      [early.body.id],
    );
    expect(kept).toBe(0);
    const early2 = await app.db.query('SELECT status FROM bookings WHERE id = $1', [early.body.id]);
    expect(early2.rows[0]!.status).toBe('held');

    // Where one is free: the slots inside 16:10–16:30, the same as the snapshot says.
    const free = await api('GET', `/events/${school.eventId}/interpreter`, family);
    expect(free.status).toBe(200);
    const inside = teacherSlots.filter((s) => {
      const t = DateTime.fromISO(s.startsAt, { zone: ZONE }).toFormat('HH:mm');
      return t >= '16:10' && t < '16:30';
    });
    expect(inside).toHaveLength(2);
    expect(free.body.interpreter.language).toBe('pl');
    const mineFree = free.body.interpreter.freeSlotIds.filter((id: string) =>
      teacherSlots.some((s) => s.id === id),
    );
    expect(mineFree.sort()).toEqual(inside.map((s) => s.id).sort());
    const snap = await api('GET', `/events/${school.eventId}/availability`, family);
    expect([...snap.body.interpreter.freeSlotIds].sort()).toEqual(
      [...free.body.interpreter.freeSlotIds].sort(),
    );

    // 16:30: no interpreter sits then.
    const late = teacherSlots.find(
      (s) => DateTime.fromISO(s.startsAt, { zone: ZONE }).toFormat('HH:mm') === '16:30',
    )!;
    const refused = await api('POST', '/holds', family, { slotId: late.id, studentId });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('interpreter_unavailable');
    const { rowCount: lateHeld } = await app.db.query(
      `SELECT 1 FROM bookings WHERE slot_id = $1 AND status IN ('held', 'confirmed')`,
      [late.id],
    );
    expect(lateHeld).toBe(0);
  });

  it('a hold inside the window reserves the interpreter; clearing the need lets the next hold go without', async () => {
    const inWindow = teacherSlots.find(
      (s) => DateTime.fromISO(s.startsAt, { zone: ZONE }).toFormat('HH:mm') === '16:20',
    )!;
    const held = await api('POST', '/holds', family, { slotId: inWindow.id, studentId });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    const { rowCount: reserved } = await app.db.query(
      'SELECT 1 FROM booking_interpreters WHERE booking_id = $1',
      [held.body.id],
    );
    expect(reserved).toBe(1);

    const cleared = await api('DELETE', '/me/interpreter', family);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ familyId, language: null });
    expect(await need()).toBeNull();
    expect(await meSays()).toBeNull();
    const data = await exported();
    expect(data.family).toMatchObject({ language: 'cy', interpreterLanguage: null });
    // The meeting held with an interpreter says in which language, in the export too.
    const withOne = data.bookings.find((b: { id: string }) => b.id === held.body.id);
    expect(withOne.interpreterLanguage).toBe('pl');
    const without = data.bookings.find((b: { id: string }) => b.id === earlyHold);
    expect(without.interpreterLanguage).toBeNull();
    // The hold made with an interpreter keeps them.
    const { rowCount: stillReserved } = await app.db.query(
      `SELECT 1 FROM booking_interpreters WHERE booking_id = $1 AND status = 'held'`,
      [held.body.id],
    );
    expect(stillReserved).toBe(1);
    expect((await api('DELETE', '/me/interpreter', family)).status).toBe(404);
    expect((await api('GET', `/events/${school.eventId}/interpreter`, family)).body.interpreter).toBeNull();

    // 16:30 (the other teacher, the 16:00 hold let go) with no need: held like any family's.
    expect((await api('DELETE', `/holds/${earlyHold}`, family)).status).toBe(200);
    const ok = await api('POST', '/holds', family, {
      slotId: await slotAt(otherTeacher, '16:30'),
      studentId,
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('answers 404 for another school’s or an unknown event', async () => {
    await api('PUT', '/me/interpreter', family, { language: 'pl' });
    const unknown = await api('GET', '/events/00000000-0000-4000-8000-000000000000/interpreter', family);
    expect(unknown.status).toBe(404);
  });
});
