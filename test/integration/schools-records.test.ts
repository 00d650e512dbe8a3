import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let admin: string;

/** Books the first free slot of one of the family's children; returns the booking id. */
async function book(index: number): Promise<string> {
  const fam = school.families[index]!;
  const token = await loginFamily(app, school, index);
  const studentId = fam.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const slot = snap.body.slots.find((s: SlotView) => s.teacherId === teacherId && s.state === 'free');
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
  expect(held.status).toBe(200);
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: school.eventId },
  });
  expect(confirmed.status).toBe(200);
  return confirmed.body.bookings[0].id;
}

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'RECS' });
  admin = await loginStaff(app, school.admin.email, PASSWORD);
});
afterAll(() => app.close());

describe('records and data rights', () => {
  it('shows and exports the booking log with who, what and when, also once the event is archived', async () => {
    const bookingId = await book(0);
    const cancel = await app.api('POST', `/api/v1/bookings/${bookingId}/cancel`, { token: admin });
    expect(cancel.status).toBe(200);
    await app.db.query('UPDATE events SET archived_at = now() WHERE id = $1', [school.eventId]);
    const log = await app.api('GET', `/api/v1/admin/events/${school.eventId}/log`, { token: admin });
    expect(log.status).toBe(200);
    expect(log.body.archived).toBe(true);
    const mine = log.body.entries.filter((e: any) => e.bookingId === bookingId);
    expect(mine.map((e: any) => [e.action, e.actorKind])).toEqual([
      ['held', 'family'],
      ['confirmed', 'family'],
      ['cancelled', 'staff'],
    ]);
    expect(mine[2].actorName).toBeTruthy();
    expect(mine[0].familySurname).toBe(school.families[0]!.surname);
    const csv = await app.api('GET', `/api/v1/admin/events/${school.eventId}/log.csv`, { token: admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (csv.body as string)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('When,Action,By,By (name),Teacher,Slot start,Family,Student,Booking id,Version');
    expect(lines.filter((l) => l.includes(bookingId))).toHaveLength(3);
    const schedules = await app.api('GET', `/api/v1/admin/events/${school.eventId}/schedules.csv`, {
      token: admin,
    });
    expect(schedules.status).toBe(200);
    expect((schedules.body as string).split('\r\n')[0]).toContain('Teacher,Date,Start,End,Room,State');
    const print = await app.api('GET', `/api/v1/admin/events/${school.eventId}/schedules.html`, {
      token: admin,
    });
    expect((print.body as string).match(/class="page"/g)?.length).toBe(school.teachers.length);
    await app.db.query('UPDATE events SET archived_at = NULL WHERE id = $1', [school.eventId]);
  });

  it('exports everything about a family as JSON, then erases it: personal fields gone, bookings kept as counts', async () => {
    const index = 1;
    const fam = school.families[index]!;
    await book(index);
    const familyToken = await loginFamily(app, school, index);
    await app.api('POST', '/api/v1/feedback', {
      token: familyToken,
      body: {
        kind: 'feedback',
        subject: 'Lovely evening',
        body: 'Thank you from the family',
        email: 'records-family@example.org',
      },
    });
    // No worker runs here: the acknowledgement waits, and its secret with it (sealed).
    const sealed = await app.db.query('SELECT secret_sealed FROM feedback WHERE family_id = $1', [fam.id]);
    expect(sealed.rows[0].secret_sealed).not.toBeNull();
    const exported = await app.api('GET', `/api/v1/admin/families/${fam.id}/export`, { token: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.family).toMatchObject({ id: fam.id, surname: fam.surname, hasAccessCode: true });
    expect(exported.body.students.map((s: any) => s.id).sort()).toEqual([...fam.studentIds].sort());
    expect(exported.body.bookings).toHaveLength(1);
    expect(exported.body.bookingLog.map((l: any) => l.action)).toEqual(['held', 'confirmed']);
    expect(exported.body.feedback[0].subject).toBe('Lovely evening');
    expect(exported.body.sessions.length).toBeGreaterThan(0);

    const before = await app.db.query(`SELECT count(*)::int AS n FROM bookings WHERE event_id = $1`, [
      school.eventId,
    ]);
    const erased = await app.api('POST', `/api/v1/admin/families/${fam.id}/erase`, { token: admin });
    expect(erased.status).toBe(200);
    expect(erased.body.bookingsKept).toBe(1);
    const after = await app.db.query(`SELECT count(*)::int AS n FROM bookings WHERE event_id = $1`, [
      school.eventId,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    const { rows } = await app.db.query(
      'SELECT surname, email, access_code_hash, external_id, erased_at FROM families WHERE id = $1',
      [fam.id],
    );
    expect(rows[0]).toMatchObject({
      surname: 'Erased family',
      email: null,
      access_code_hash: null,
      external_id: null,
    });
    expect(rows[0].erased_at).not.toBeNull();
    const dump = JSON.stringify(
      (
        await app.db.query(
          'SELECT f.*, fb.* FROM families f LEFT JOIN feedback fb ON fb.family_id = f.id WHERE f.id = $1',
          [fam.id],
        )
      ).rows,
    );
    expect(dump).not.toContain(fam.surname);
    expect(dump).not.toContain('Thank you from the family');
    // The sealed secret of an acknowledgement never sent goes with the rest.
    const unsealed = await app.db.query('SELECT secret_sealed FROM feedback WHERE family_id = $1', [fam.id]);
    expect(unsealed.rows).toEqual([{ secret_sealed: null }]);
    // The active booking was cancelled so the slot is free again; the row stays.
    const status = await app.db.query('SELECT status FROM bookings WHERE family_id = $1', [fam.id]);
    expect(status.rows.map((r) => r.status)).toEqual(['cancelled']);
    expect((await app.api('GET', '/api/v1/me', { token: familyToken })).status).toBe(401);
    const relog = await app.api('POST', '/api/v1/auth/family/login', {
      body: { schoolCode: 'RECS', surname: fam.surname, accessCode: fam.accessCode },
    });
    expect(relog.status).toBe(401);
  });

  it("answers 404 for another school's family and forbids teachers", async () => {
    const other = await seedSmallSchool(app, { code: 'RECT' });
    const res = await app.api('GET', `/api/v1/admin/families/${other.families[0]!.id}/export`, {
      token: admin,
    });
    expect(res.status).toBe(404);
    const teacher = await loginStaff(app, school.teachers[0]!.email, PASSWORD);
    const forbidden = await app.api('POST', `/api/v1/admin/families/${school.families[2]!.id}/erase`, {
      token: teacher,
    });
    expect(forbidden.status).toBe(403);
  });
});
