import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { importCsv } from '../support/csv-import.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18, the school's side of interpreters: the admin API (tenancy, windows that
// would strand a meeting, load, schedule), the family's snapshot field and the
// import's interpreter column.
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let otherAdmin: string;
let interpreterId: string;

const api = (method: string, path: string, token: string, body?: unknown) =>
  app.api(method, `/api/v1${path}`, {
    token,
    body,
    headers: { 'idempotency-key': `interp-${Math.random()}` },
  });

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  const shape = {
    timeZone: ZONE,
    eveningDate: evening,
    siblingShare: 0,
    slotMinutes: 10,
    from: '16:00',
    to: '16:30',
  };
  school = await seedSmallSchool(app, {
    code: 'INTADM',
    teachers: 2,
    families: 3,
    teachersPerStudent: 2,
    ...shape,
  });
  other = await seedSmallSchool(app, {
    code: 'INTOTH',
    teachers: 1,
    families: 1,
    teachersPerStudent: 1,
    ...shape,
  });
  admin = await loginStaff(app, school.admin.email);
  otherAdmin = await loginStaff(app, other.admin.email);
});
afterAll(async () => {
  await app?.close();
});

describe('the admin API of interpreters', () => {
  it('creates, lists and updates interpreters, storing languages as canonical BCP-47 codes', async () => {
    const bad = await api('POST', '/admin/interpreters', admin, { name: 'X', languages: ['not a code'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const made = await api('POST', '/admin/interpreters', admin, {
      name: 'Ana',
      languages: ['PL', 'pt-br', 'ti', 'pl'],
      email: 'Ana@Interpreters.example.org',
    });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({
      name: 'Ana',
      languages: ['pl', 'pt-BR', 'ti'],
      email: 'ana@interpreters.example.org',
    });
    interpreterId = made.body.id;
    const listed = await api('GET', '/admin/interpreters', admin);
    expect(listed.body.interpreters.map((i: { id: string }) => i.id)).toEqual([interpreterId]);
    // Another school sees none of them and cannot touch them.
    expect((await api('GET', '/admin/interpreters', otherAdmin)).body.interpreters).toEqual([]);
    const foreign = await api('PATCH', `/admin/interpreters/${interpreterId}`, otherAdmin, { name: 'Mine' });
    expect(foreign.status).toBe(404);
    const renamed = await api('PATCH', `/admin/interpreters/${interpreterId}`, admin, { email: null });
    expect(renamed.body.email).toBeNull();
  });

  it('sets windows (merged), and refuses another school’s event', async () => {
    const set = await api(
      'PUT',
      `/admin/events/${school.eventId}/interpreters/${interpreterId}/windows`,
      admin,
      {
        windows: [
          { date: evening, from: '16:10', to: '16:30' },
          { date: evening, from: '16:00', to: '16:10' },
        ],
      },
    );
    expect(set.status).toBe(200);
    expect(set.body.windows.map((w: { from: string; to: string }) => `${w.from}-${w.to}`)).toEqual([
      '16:00-16:30',
    ]);
    const foreign = await api(
      'PUT',
      `/admin/events/${other.eventId}/interpreters/${interpreterId}/windows`,
      admin,
      {
        windows: [],
      },
    );
    expect(foreign.status).toBe(404);
  });

  it('sets and clears a family’s need, refusing another school’s family', async () => {
    const fam = school.families[0]!.id;
    expect(
      (await api('PUT', `/admin/families/${fam}/interpreter`, admin, { language: 'pt-br' })).body,
    ).toEqual({
      familyId: fam,
      language: 'pt-BR',
    });
    expect(
      (await api('PUT', `/admin/families/${fam}/interpreter`, otherAdmin, { language: 'pl' })).status,
    ).toBe(404);
    expect((await api('DELETE', `/admin/families/${fam}/interpreter`, admin)).body.language).toBeNull();
    await api('PUT', `/admin/families/${fam}/interpreter`, admin, { language: 'pl' });
  });
});

describe('a family that needs an interpreter, and what the school sees of it', () => {
  let bookingSlot: string;

  it('sees in its snapshot where an interpreter is free, and books one', async () => {
    const token = await loginFamily(app, school, 0);
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    expect(snap.body.interpreter.language).toBe('pl');
    // Every slot lies in Ana's window and she is free: all of them.
    const slotIds = snap.body.slots.map((s: { id: string }) => s.id).sort();
    expect([...snap.body.interpreter.freeSlotIds].sort()).toEqual(slotIds);
    // A family that needs none gets no field.
    const plain = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, {
      token: await loginFamily(app, school, 1),
    });
    expect(plain.body.interpreter).toBeUndefined();

    const studentId = school.families[0]!.studentIds[0]!;
    const slot = snap.body.slots.find(
      (s: { teacherId: string; startsAt: string }) => s.teacherId === school.teachers[0]!.id,
    );
    bookingSlot = slot.id;
    const held = await api('POST', '/holds', token, { slotId: slot.id, studentId });
    expect(held.status).toBe(200);

    // Another family needing Polish sees that time as taken for interpreting (over the socket too).
    await api('PUT', `/admin/families/${school.families[2]!.id}/interpreter`, admin, { language: 'pl' });
    const socket = await app.socket(await loginFamily(app, school, 2));
    const joined = await ask(socket, 'event:join', { eventId: school.eventId });
    socket.disconnect();
    const sameTime = joined.data.slots
      .filter((s: { startsAt: string }) => s.startsAt === slot.startsAt)
      .map((s: { id: string }) => s.id);
    expect(sameTime.length).toBeGreaterThan(0);
    expect(joined.data.interpreter.freeSlotIds.filter((id: string) => sameTime.includes(id))).toEqual([]);
    expect(joined.data.interpreter.freeSlotIds.length).toBe(joined.data.slots.length - sameTime.length);
  });

  it('reports load and the interpreter’s schedule', async () => {
    const load = await api('GET', `/admin/events/${school.eventId}/interpreters/load`, admin);
    expect(load.status).toBe(200);
    expect(load.body.interpreters).toEqual([
      expect.objectContaining({
        interpreterId,
        windowMinutes: 30,
        bookedMinutes: 10,
        meetings: 1,
        freeMinutes: 20,
      }),
    ]);
    expect(load.body.familiesNeeding).toEqual([{ language: 'pl', families: 2 }]);
    const schedule = await api(
      'GET',
      `/admin/events/${school.eventId}/interpreters/${interpreterId}/schedule`,
      admin,
    );
    expect(schedule.status).toBe(200);
    expect(schedule.body.meetings).toEqual([
      expect.objectContaining({
        status: 'held',
        familySurname: school.families[0]!.surname,
        language: 'pl',
        teacherName: expect.any(String),
      }),
    ]);
    const foreign = await api(
      'GET',
      `/admin/events/${school.eventId}/interpreters/${interpreterId}/schedule`,
      otherAdmin,
    );
    expect(foreign.status).toBe(404);
  });

  it('refuses windows and a removal that would strand the meeting, changing nothing', async () => {
    const slot = await app.db.query<{ starts_at: Date }>('SELECT starts_at FROM slots WHERE id = $1', [
      bookingSlot,
    ]);
    const at = DateTime.fromJSDate(slot.rows[0]!.starts_at, { zone: ZONE }).toFormat('HH:mm');
    const narrowed = await api(
      'PUT',
      `/admin/events/${school.eventId}/interpreters/${interpreterId}/windows`,
      admin,
      {
        windows: [
          { date: evening, from: at === '16:00' ? '16:10' : '16:00', to: at === '16:00' ? '16:30' : '16:10' },
        ],
      },
    );
    expect(narrowed.status).toBe(409);
    expect(narrowed.body.error.code).toBe('bookings_in_the_way');
    expect(narrowed.body.error.issues).toHaveLength(1);
    const removed = await api('DELETE', `/admin/interpreters/${interpreterId}`, admin);
    expect(removed.status).toBe(409);
    const { rows } = await app.db.query(
      'SELECT count(*)::int AS n FROM interpreter_availability WHERE interpreter_id = $1',
      [interpreterId],
    );
    expect(rows[0]!.n).toBe(1);
  });
});

describe('the MIS import', () => {
  it('reads an interpreter column, refuses a bad code, and keeps the need when the column is absent', async () => {
    const bad = await importCsv(
      app,
      admin,
      'family_id,surname,interpreter\r\nIMP1,Kowalski,polish please\r\n',
    );
    expect(bad.status).toBe(400);
    const good = await importCsv(
      app,
      admin,
      'family_id,surname,Needs interpreter\r\nIMP1,Kowalski,PL\r\nIMP2,Khan,ur\r\nIMP3,Smith,\r\n',
    );
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const need = async () =>
      (
        await app.db.query<{ external_id: string; interpreter_language: string | null }>(
          `SELECT external_id, interpreter_language FROM families WHERE school_id = $1 AND external_id LIKE 'IMP%'
            ORDER BY external_id`,
          [school.schoolId],
        )
      ).rows.map((r) => [r.external_id, r.interpreter_language]);
    expect(await need()).toEqual([
      ['IMP1', 'pl'],
      ['IMP2', 'ur'],
      ['IMP3', null],
    ]);
    const renamed = await importCsv(app, admin, 'family_id,surname\r\nIMP1,Kowalska\r\n');
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect((await need())[0]).toEqual(['IMP1', 'pl']);
    const cleared = await importCsv(app, admin, 'family_id,surname,interpreter\r\nIMP2,Khan,\r\n');
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect((await need())[1]).toEqual(['IMP2', null]);
  });
});
