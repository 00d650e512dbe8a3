import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { rosterVersion } from '../../server/src/features/import/school-roster.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { importCsv, postCsv } from '../support/csv-import.ts';
import { loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// The class-list import's check reported "0 links removed" just before the
// real import cut a teacher's class list from 94 students to 1.

let app: TestApp;
let token: string;
let school: SeededSchool;

const check = (csv: string, query = '') => postCsv(app, token, csv, `?dryRun=1${query}`);
const apply = (csv: string, planId: string, query = '') =>
  postCsv(app, token, csv, `?plan=${planId}${query}`);

async function classList(staffExt: string): Promise<string[]> {
  const { rows } = await app.db.query<{ ext: string }>(
    `SELECT st.external_id AS ext FROM teacher_students ts
       JOIN staff s ON s.id = ts.staff_id JOIN students st ON st.id = ts.student_id
      WHERE s.external_id = $1 AND s.school_id = $2 ORDER BY st.external_id`,
    [staffExt, school.schoolId],
  );
  return rows.map((r) => r.ext);
}

/** Every row an import may touch, as text: two equal snapshots mean nothing changed. */
async function snapshot(): Promise<string> {
  return rosterVersion(app.db, school.schoolId);
}

/** A teacher REP-T with 94 students REP-S0…REP-S93 on their class list. */
async function teacherWith94() {
  const teachers = await importCsv(
    app,
    token,
    'staff_id,first_name,surname,email,role\nREP-T,Rita,Repro,rita@example.org,teacher\n',
  );
  expect(teachers.status, JSON.stringify(teachers.body)).toBe(200);
  const students = ['student_id,first_name,surname,year,class'];
  const list = ['staff_id,student_id,subject'];
  for (let i = 0; i < 94; i++) {
    students.push(`REP-S${String(i).padStart(2, '0')},Pupil${i},Repro,Year 8,8R`);
    list.push(`REP-T,REP-S${String(i).padStart(2, '0')},History`);
  }
  expect((await importCsv(app, token, `${students.join('\n')}\n`)).status).toBe(200);
  expect((await importCsv(app, token, `${list.join('\n')}\n`)).status).toBe(200);
  expect(await classList('REP-T')).toHaveLength(94);
}

beforeAll(async () => {
  app = await startTestApp({ IMPORTS_PER_HOUR: '1000' });
  school = await seedSmallSchool(app, { code: 'IMPP' });
  token = await loginStaff(app, school.admin.email, PASSWORD);
  await teacherWith94();
});
afterAll(() => app.close());

describe('the import check says what the import will do', () => {
  const cut = 'staff_id,student_id,subject\nREP-T,REP-S00,History\n';

  it('a check of a one-line class list names the 93 links the import would cut, and asks for a confirmation', async () => {
    const before = await snapshot();
    const res = await check(cut);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'class-lists',
      dryRun: true,
      rows: 1,
      removed: 93,
      importId: null,
    });
    expect(res.body.changes.classLinks).toEqual({ added: 0, changed: 0, removed: 93 });
    expect(res.body.removals).toHaveLength(93);
    expect(res.body.removals[0]).toMatchObject({ list: 'class-list', owner: 'Rita Repro (REP-T)' });
    expect(res.body.removals.map((r: any) => r.student)).toContain('Pupil93 Repro, 8R (REP-S93)');
    expect(res.body.confirmation.needed).toBe(true);
    expect(res.body.confirmation.reasons[0]).toMatch(
      /Rita Repro \(REP-T\): 93 of 94 students removed.*94 → 1/,
    );
    expect(res.body.planId).toMatch(/^[0-9a-f-]{36}$/);
    // The check wrote nothing but its plan.
    expect(await snapshot()).toBe(before);
  });

  it('the import is refused without the confirmation (409 naming the counts), then applies exactly the plan with it', async () => {
    const planned = await check(cut);
    const before = await snapshot();
    const refused = await apply(cut, planned.body.planId);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('import_confirmation_required');
    expect(refused.body.error.message).toMatch(/93 of 94 students removed/);
    expect(refused.body.error.issues[0]).toMatchObject({ path: 'confirmRemovals' });
    expect(await snapshot()).toBe(before);
    expect(await classList('REP-T')).toHaveLength(94);

    const done = await apply(cut, planned.body.planId, '&confirmRemovals=1');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ dryRun: false, removed: 93, planId: null });
    expect(done.body.changes).toEqual(planned.body.changes);
    expect(await classList('REP-T')).toEqual(['REP-S00']);

    // Restoring the state before the import puts the 93 back, exactly as they were.
    const restored = await app.api('POST', `/api/v1/admin/imports/${done.body.importId}/restore`, { token });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body).toMatchObject({ importId: done.body.importId, restored: 93 });
    expect(await classList('REP-T')).toHaveLength(94);
    expect(await snapshot()).toBe(before);
    const { rows } = await app.db.query(
      `SELECT DISTINCT ts.subject FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id WHERE s.external_id = 'REP-T'`,
    );
    expect(rows).toEqual([{ subject: 'History' }]);
    // A plan is used once; an import is restored once.
    expect((await apply(cut, planned.body.planId, '&confirmRemovals=1')).status).toBe(404);
    const again = await app.api('POST', `/api/v1/admin/imports/${done.body.importId}/restore`, { token });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('import_restore_conflict');
  });

  it('refuses a plan when the file or the school changed since the check, writing nothing', async () => {
    const file = 'staff_id,student_id,subject\nREP-T,REP-S00,Maths\nREP-T,REP-S01,History\n';
    const planned = await check(file);
    expect(planned.body.changes.classLinks).toEqual({ added: 0, changed: 1, removed: 92 });

    // Another file under the same plan.
    const other = await apply(`${file}REP-T,REP-S02,History\n`, planned.body.planId, '&confirmRemovals=1');
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('import_plan_stale');
    expect(other.body.error.message).toMatch(/not the file that was checked/);

    // The school changes between the check and the import (a student renamed by another import).
    const renamed = await importCsv(
      app,
      token,
      'student_id,first_name,surname,year,class\nREP-S50,Renamed,Repro,Year 8,8R\n',
    );
    expect(renamed.body.changes.students).toEqual({ added: 0, changed: 1, removed: 0 });
    const before = await snapshot();
    const stale = await apply(file, planned.body.planId, '&confirmRemovals=1');
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('import_plan_stale');
    expect(await snapshot()).toBe(before);
    expect(await classList('REP-T')).toHaveLength(94);
    // Put the name back for the tests that follow.
    const back = await app.api('POST', `/api/v1/admin/imports/${renamed.body.importId}/restore`, { token });
    expect(back.status).toBe(200);
  });

  it('counts what each kind of file adds, changes and removes, and the import does exactly that', async () => {
    const before = await snapshot();
    const file = [
      'staff_id,student_id,subject',
      'REP-T,REP-S00,Maths', // subject changed
      ...Array.from({ length: 90 }, (_, i) => `REP-T,REP-S${String(i + 1).padStart(2, '0')},History`),
      // REP-S91..93 dropped: 3 of 94, under the 10 % rule
    ].join('\n');
    const planned = await check(`${file}\n`);
    expect(planned.body.changes.classLinks).toEqual({ added: 0, changed: 1, removed: 3 });
    expect(planned.body.confirmation).toEqual({ needed: false, reasons: [] });
    const done = await apply(`${file}\n`, planned.body.planId);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const list = await classList('REP-T');
    expect(list).toHaveLength(91);
    expect(list).not.toContain('REP-S93');

    // Families: one new, one renamed, one untouched.
    const fam = await school.families[0]!;
    const { rows } = await app.db.query('SELECT external_id, surname FROM families WHERE id = $1', [fam.id]);
    const famFile = `family_id,surname\n${rows[0].external_id},${rows[0].surname}-Renamed\nNEW-F1,Newcomer\n`;
    const famPlan = await check(famFile);
    expect(famPlan.body.changes.families).toEqual({ added: 1, changed: 1, removed: 0 });
    const famDone = await apply(famFile, famPlan.body.planId);
    expect(famDone.body).toMatchObject({ created: 1, updated: 1 });

    // Restoring the newest first takes the school back to where it was.
    const records = await app.api('GET', '/api/v1/admin/imports', { token });
    expect(records.status).toBe(200);
    const [newest, older] = records.body.imports;
    expect(newest).toMatchObject({ id: famDone.body.importId, restorable: true });
    expect(older).toMatchObject({ id: done.body.importId, restorable: false });
    const tooEarly = await app.api('POST', `/api/v1/admin/imports/${done.body.importId}/restore`, { token });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.body.error.message).toMatch(/Restore later imports first/);
    for (const id of [famDone.body.importId, done.body.importId])
      expect((await app.api('POST', `/api/v1/admin/imports/${id}/restore`, { token })).status).toBe(200);
    expect(await snapshot()).toBe(before);
    expect((await app.db.query(`SELECT 1 FROM families WHERE external_id = 'NEW-F1'`)).rowCount).toBe(0);
  });

  it('a removal through which a student has an appointment keeps the appointment, is listed and needs the confirmation', async () => {
    const family = school.families.find((f) => f.studentIds.length > 0)!;
    const studentId = family.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const { rows: slots } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 1',
      [school.eventId, teacherId],
    );
    const bookingId = await bookOnBehalf(app, token, school, slots[0]!.id, family.id, studentId);
    const ids = await app.db.query<{ t: string; s: string }>(
      'SELECT (SELECT external_id FROM staff WHERE id = $1) AS t, (SELECT external_id FROM students WHERE id = $2) AS s',
      [teacherId, studentId],
    );
    const { rows: others } = await app.db.query<{ ext: string }>(
      `SELECT st.external_id AS ext FROM teacher_students ts JOIN students st ON st.id = ts.student_id
        WHERE ts.staff_id = $1 AND ts.student_id <> $2`,
      [teacherId, studentId],
    );
    // The teacher's list without the booked student (the others kept).
    const file = `staff_id,student_id\n${others.map((o) => `${ids.rows[0]!.t},${o.ext}`).join('\n')}\n`;
    const planned = await check(file);
    expect(planned.status, JSON.stringify(planned.body)).toBe(200);
    const booked = planned.body.removals.filter((r: any) => r.hasAppointment);
    expect(booked).toHaveLength(1);
    expect(planned.body.confirmation.reasons.join(' ')).toMatch(
      /1 removed link has an appointment, which stays booked/,
    );
    const done = await apply(file, planned.body.planId, '&confirmRemovals=1');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const { rows } = await app.db.query('SELECT status FROM bookings WHERE id = $1', [bookingId]);
    expect(rows[0].status).toBe('confirmed');

    // Restore gives the link back; the appointment was never touched.
    const restored = await app.api('POST', `/api/v1/admin/imports/${done.body.importId}/restore`, { token });
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(
      (
        await app.db.query('SELECT 1 FROM teacher_students WHERE staff_id = $1 AND student_id = $2', [
          teacherId,
          studentId,
        ])
      ).rowCount,
    ).toBe(1);
  });

  it('refuses to restore an import whose added link now carries an appointment, and one whose added person is used', async () => {
    // A new teacher (restore would delete them) who then gets a slot.
    const added = await importCsv(
      app,
      token,
      'staff_id,first_name,surname,email\nREP-NEW,Nia,New,nia@example.org\n',
    );
    expect(added.status).toBe(200);
    const { rows: staff } = await app.db.query<{ id: string }>(
      `SELECT id FROM staff WHERE external_id = 'REP-NEW'`,
    );
    await app.db.query(
      `INSERT INTO slots (event_id, staff_id, starts_at, ends_at, room)
       SELECT event_id, $2, starts_at, ends_at, room FROM slots WHERE event_id = $1 ORDER BY starts_at LIMIT 1`,
      [school.eventId, staff[0]!.id],
    );
    const refused = await app.api('POST', `/api/v1/admin/imports/${added.body.importId}/restore`, { token });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'import_restore_conflict' });
    expect(refused.body.error.message).toMatch(/used elsewhere \(slots\)/);
    expect((await app.db.query(`SELECT 1 FROM staff WHERE external_id = 'REP-NEW'`)).rowCount).toBe(1);
  });

  it('an import needs a check: no plan is 400, an unknown plan 404', async () => {
    const none = await postCsv(app, token, cut);
    expect(none.status).toBe(400);
    expect(none.body.error.issues[0].path).toBe('plan');
    const unknown = await apply(cut, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    const both = await postCsv(app, token, cut, '?dryRun=1&plan=00000000-0000-4000-8000-000000000000');
    expect(both.status).toBe(400);
  });
});
