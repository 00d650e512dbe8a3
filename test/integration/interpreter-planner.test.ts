import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// Issue 18: the itinerary planner plans with interpreters. A family that needs Polish,
// with the school's one Polish interpreter sitting 18:00–18:30, is proposed times only
// inside that window, and holding the proposal succeeds, each meeting with the interpreter.
const ZONE = 'Europe/London';
const evening = DateTime.now().setZone(ZONE).plus({ days: 1 }).toISODate()!;
let app: TestApp;
let school: SeededSchool;

const local = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toFormat('HH:mm');

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
  school = await seedSmallSchool(app, {
    code: 'INTPLAN',
    families: 2,
    teachers: 4,
    teachersPerStudent: 4,
    siblingShare: 0,
    gapMinutes: 0,
    slotMinutes: 10,
    timeZone: ZONE,
    eveningDate: evening,
    from: '17:00',
    to: '19:30',
  });
  const admin = await loginStaff(app, school.admin.email);
  const api = (method: string, path: string, body?: unknown) =>
    app.api(method, `/api/v1${path}`, { token: admin, body });
  const made = await api('POST', '/admin/interpreters', { name: 'Ola', languages: ['pl'] });
  expect(made.status).toBe(200);
  const windows = await api('PUT', `/admin/events/${school.eventId}/interpreters/${made.body.id}/windows`, {
    windows: [{ date: evening, from: '18:00', to: '18:30' }],
  });
  expect(windows.status).toBe(200);
  // An interpreter who speaks another language, sitting all evening, changes nothing for Polish.
  const other = await api('POST', '/admin/interpreters', { name: 'Amir', languages: ['ur'] });
  await api('PUT', `/admin/events/${school.eventId}/interpreters/${other.body.id}/windows`, {
    windows: [{ date: evening, from: '17:00', to: '19:30' }],
  });
});
afterAll(() => app?.close());

describe('the itinerary planner with interpreters', () => {
  it('plans a family that needs Polish only inside the interpreter’s window, and the plan holds', async () => {
    const fam = school.families[0]!;
    const token = await loginFamily(app, school, 0);
    const studentId = fam.studentIds[0]!;
    const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
    expect(teacherIds).toHaveLength(4);
    const children = [{ studentId, teacherIds }];
    const propose = () =>
      app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, { token, body: { children } });

    // Needing none, the family is planned somewhere in the evening (the test is not vacuous).
    const before = await propose();
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body.meetings).toHaveLength(4);

    const set = await app.api('PUT', '/api/v1/me/interpreter', { token, body: { language: 'pl' } });
    expect(set.status).toBe(200);
    const proposal = await propose();
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    const meetings = proposal.body.meetings as {
      studentId: string;
      slotId: string;
      startsAt: string;
      endsAt: string;
    }[];
    // Three 10-minute times in 18:00–18:30, one family: three meetings; the fourth does not fit.
    expect(meetings.map((m) => local(m.startsAt))).toEqual(['18:00', '18:10', '18:20']);
    for (const m of meetings) expect(local(m.endsAt) <= '18:30').toBe(true);
    expect(proposal.body.unplaced).toEqual([
      expect.objectContaining({ studentId, reason: 'no_fit', waitingListAvailable: true }),
    ]);

    const held = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/hold`, {
      token,
      body: { meetings: meetings.map((m) => ({ studentId: m.studentId, slotId: m.slotId })) },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body.bookings.map((b: { status: string }) => b.status)).toEqual(['held', 'held', 'held']);
    const { rows } = await app.db.query<{ name: string }>(
      `SELECT i.name FROM booking_interpreters bi JOIN interpreters i ON i.id = bi.interpreter_id
        WHERE bi.booking_id = ANY($1::uuid[]) AND bi.status = 'held'`,
      [held.body.bookings.map((b: { id: string }) => b.id)],
    );
    expect(rows.map((r) => r.name)).toEqual(['Ola', 'Ola', 'Ola']);
  });

  it('a second family needing Polish finds the interpreter taken and gets no plan at those times', async () => {
    const fam = school.families[1]!;
    const token = await loginFamily(app, school, 1);
    await app.api('PUT', '/api/v1/me/interpreter', { token, body: { language: 'PL' } });
    const studentId = fam.studentIds[0]!;
    const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
    const proposal = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token,
      body: { children: [{ studentId, teacherIds }] },
    });
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    expect(proposal.body.meetings).toEqual([]);
    // Free times with every teacher, but none with an interpreter: said so, not "full".
    expect(proposal.body.unplaced.map((u: { reason: string }) => u.reason)).toEqual([
      'no_interpreter',
      'no_interpreter',
      'no_interpreter',
      'no_interpreter',
    ]);
  });
});
