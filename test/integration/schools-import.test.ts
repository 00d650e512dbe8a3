import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv, postCsv } from '../support/csv-import.ts';
import { loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let token: string;
let schoolId: string;

/** Check and import, as the admin screen does (the dry run alone with `?dryRun=1`). */
async function upload(csv: string | Uint8Array, query = '') {
  if (query.includes('dryRun')) return postCsv(app, token, csv, query);
  return importCsv(app, token, csv, { query });
}

async function count(table: string): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE school_id = $1`,
    [schoolId],
  );
  return rows[0]!.n;
}

beforeAll(async () => {
  app = await startTestApp({ IMPORTS_PER_HOUR: '1000' });
  const school = await seedSmallSchool(app, { code: 'IMPA' });
  schoolId = school.schoolId;
  token = await loginStaff(app, school.admin.email, PASSWORD);
});
afterAll(() => app.close());

describe('CSV import', () => {
  it('imports 10,000 students in one file, and a re-import of the same file changes nothing', async () => {
    const before = await count('students');
    const lines = ['student_id,first_name,surname,year,class'];
    for (let i = 0; i < 10_000; i++)
      lines.push(`BULK${i},Pupil${i},"Surname, ${i}",Year ${7 + (i % 5)},${i % 9}A`);
    const csv = `${lines.join('\r\n')}\r\n`;
    const first = await upload(csv);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ kind: 'students', rows: 10_000, created: 10_000, updated: 0 });
    expect(await count('students')).toBe(before + 10_000);
    const { rows } = await app.db.query(
      `SELECT surname, year_group, class_name FROM students WHERE school_id = $1 AND external_id = 'BULK1234'`,
      [schoolId],
    );
    expect(rows[0]).toEqual({ surname: 'Surname, 1234', year_group: 'Year 11', class_name: '1A' });
    const again = await upload(csv);
    expect(again.body).toMatchObject({ rows: 10_000, created: 0, updated: 0 });
    expect(await count('students')).toBe(before + 10_000);
  });

  it('refuses a file with 3 bad rows as a whole, naming each by line and column', async () => {
    const before = await count('families');
    const csv = [
      'family_id,surname,email',
      'F1,Adams,adams@example.org',
      'F2,,b@example.org', // line 3: surname missing
      'F3,Clark,not-an-email', // line 4: bad e-mail
      'F4,Dunn,',
      'F1,Evans,', // line 6: repeats line 2's id
      'F5,Fox,fox@example.org',
    ].join('\n');
    const res = await upload(csv);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.message).toMatch(/3 problems.*nothing was imported/);
    expect(res.body.error.issues).toEqual([
      { path: '3.surname', message: 'Missing.' },
      { path: '4.email', message: 'Not an e-mail address.' },
      { path: '6.family_id', message: 'Same as line 2: each row must be different.' },
    ]);
    expect(await count('families')).toBe(before);
  });

  it('re-import updates by the school’s own ids instead of duplicating', async () => {
    const first = await upload('family_id,surname,email\nR1,Green,green@example.org\nR2,Hall,\n');
    expect(first.body).toMatchObject({ created: 2, updated: 0 });
    const second = await upload(
      'family_id,surname,email\nR1,Greene,GREENE@example.org\nR2,Hall,\nR3,Irwin,\n',
    );
    expect(second.body).toMatchObject({ created: 1, updated: 1 });
    const { rows } = await app.db.query(
      `SELECT external_id, surname, email FROM families WHERE school_id = $1 AND external_id LIKE 'R%' ORDER BY external_id`,
      [schoolId],
    );
    expect(rows).toEqual([
      { external_id: 'R1', surname: 'Greene', email: 'greene@example.org' },
      { external_id: 'R2', surname: 'Hall', email: null },
      { external_id: 'R3', surname: 'Irwin', email: null },
    ]);
  });

  it('reads a BOM, semicolons and quoted separators; links two families per student and refuses a third', async () => {
    const students = await upload(
      '\uFEFFStudent ID;First name;Surname;Year;Class\nK1;"Zoë; Jr";"O\'Neil, Smith";Year 9;9B\n',
    );
    expect(students.status).toBe(200);
    const { rows } = await app.db.query(`SELECT first_name, surname FROM students WHERE external_id = 'K1'`);
    expect(rows[0]).toEqual({ first_name: 'Zoë; Jr', surname: "O'Neil, Smith" });
    await upload('family_id,surname\nP1,Mum\nP2,Dad\nP3,Other\n');
    const three = await upload('family_id,student_id\nP1,K1\nP2,K1\nP3,K1\n');
    expect(three.status).toBe(400);
    expect(three.body.error.issues).toEqual([
      { path: '4.student_id', message: 'A student belongs to at most two families.' },
    ]);
    const two = await upload('family_id,student_id\nP1,K1\nP2,K1\n');
    expect(two.body).toMatchObject({ kind: 'family-students', created: 2 });
    // The file is the truth for the students it names: P2 dropped, P3 added.
    const moved = await upload('family_id,student_id\nP1,K1\nP3,K1\n');
    expect(moved.body).toMatchObject({ created: 1, removed: 1 });
    const unknown = await upload('family_id,student_id\nP1,NOPE\n');
    expect(unknown.body.error.issues[0].path).toBe('2.student_id');
  });

  it('fails clearly on a Windows-1252 file unless told, then reads it', async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('student_id,first_name,surname,year,class\nW1,Ren'),
      0xe9, // é in Windows-1252, invalid on its own in UTF-8
      ...new TextEncoder().encode(',Dupont,Year 7,7A\n'),
    ]);
    const refused = await upload(bytes);
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues[0].path).toBe('2.file');
    expect(refused.body.error.issues[0].message).toMatch(/not UTF-8.*windows-1252/);
    const accepted = await upload(bytes, '?encoding=windows-1252');
    expect(accepted.status).toBe(200);
    const { rows } = await app.db.query(`SELECT first_name FROM students WHERE external_id = 'W1'`);
    expect(rows[0].first_name).toBe('René');
  });

  it('imports teachers and class lists, and a dry run writes nothing', async () => {
    const dry = await upload(
      'staff_id,first_name,surname,email,role\nT9,Ada,Lovelace,ada@example.org,both\n',
      '?dryRun=1',
    );
    // The check says what the import would do, and writes none of it.
    expect(dry.body).toMatchObject({ dryRun: true, rows: 1, created: 1, importId: null });
    expect(dry.body.changes.staff).toEqual({ added: 1, changed: 0, removed: 0 });
    expect((await app.db.query(`SELECT 1 FROM staff WHERE external_id = 'T9'`)).rowCount).toBe(0);
    const teachers = await upload(
      'staff_id,first_name,surname,email,role\nT9,Ada,Lovelace,ada@example.org,both\n',
    );
    expect(teachers.body).toMatchObject({ kind: 'teachers', created: 1 });
    const lists = await upload('staff_id,student_id,subject\nT9,K1,Maths\nT9,W1,Maths\n');
    expect(lists.body).toMatchObject({ kind: 'class-lists', created: 2 });
    const { rows } = await app.db.query(
      `SELECT count(*)::int AS n FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id WHERE s.external_id = 'T9'`,
    );
    expect(rows[0].n).toBe(2);
  });

  it('refuses teachers and families without the admin role', async () => {
    const res = await fetch(`${app.url}/api/v1/admin/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'family_id,surname\nX1,Y\n',
    });
    expect(res.status).toBe(401);
  });
});
