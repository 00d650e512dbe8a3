import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView, SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher } from '../support/admin-fixtures.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let awkward: { familyId: string; studentId: string };
let bookedId: string;

/** RFC 4180 reader, strict enough to catch bad quoting: a stray quote throws. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        if (i < text.length && !/[,\r]/.test(text[i]!)) throw new Error(`junk after quote at ${i}`);
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (cell !== '') throw new Error(`quote inside an unquoted cell at ${i}`);
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error('CR without LF');
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else if (c === '\n') {
      throw new Error('bare LF line end');
    } else cell += c;
    i++;
  }
  if (quoted) throw new Error('unterminated quote');
  if (cell !== '' || row.length > 0) throw new Error('last line has no CRLF');
  return rows;
}

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School', teachers: 2, families: 2 });
  admin = await loginStaff(app, school.admin.email);

  // A family whose names would break naive CSV (and a formula a spreadsheet would run).
  const { rows: f } = await app.db.query(
    `INSERT INTO families (school_id, surname, email) VALUES ($1, 'O"Brien, Jr', 'ob@parents.test') RETURNING id`,
    [school.schoolId],
  );
  const { rows: s } = await app.db.query(
    `INSERT INTO students (school_id, first_name, surname, year_group, class_name)
     VALUES ($1, '=HYPERLINK("x")', 'Line
Break', 'Year 10', '10Z') RETURNING id`,
    [school.schoolId],
  );
  awkward = { familyId: f[0].id, studentId: s[0].id };
  await app.db.query('INSERT INTO family_students VALUES ($1, $2)', [awkward.familyId, awkward.studentId]);
  await app.db.query('INSERT INTO teacher_students (staff_id, student_id) VALUES ($1, $2)', [
    school.teachers[0]!.id,
    awkward.studentId,
  ]);

  const { family, studentId, teacherId } = familyWithTeacher(school, 0);
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  const slot = snap.body.slots.find((x: SlotView) => x.teacherId === teacherId && x.state === 'free');
  bookedId = await bookOnBehalf(app, admin, school, slot.id, family.id, studentId);
  // A hold is not a booking: family 1 stays "not booked".
  const h = familyWithTeacher(school, 1);
  const free = snap.body.slots.filter((x: SlotView) => x.teacherId === h.teacherId && x.state === 'free')[3];
  const held = await app.api('POST', '/api/v1/holds', {
    token: admin,
    body: { slotId: free.id, studentId: h.studentId, familyId: h.family.id },
  });
  expect(held.status).toBe(200);
});
afterAll(() => app?.close());

describe('families that have not booked', () => {
  it('per teacher and per year group, counting confirmed bookings only', async () => {
    const res = await app.api('GET', `/api/v1/admin/events/${school.eventId}/reports/unbooked`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    const { family, studentId, teacherId } = familyWithTeacher(school, 0);
    const byTeacher = new Map(res.body.byTeacher.map((t: any) => [t.teacherId, t]));
    expect(byTeacher.size).toBe(school.teachers.length);
    const ids = (t: string) => (byTeacher.get(t) as any).students.map((s: any) => s.studentId);
    expect(ids(teacherId)).not.toContain(studentId);
    for (const other of school.students.find((s) => s.id === studentId)!.teacherIds.slice(1))
      expect(ids(other)).toContain(studentId);
    // Every class-list pair is either booked or reported.
    const pairs = school.students.reduce((n, s) => n + s.teacherIds.length, 0) + 1;
    expect(res.body.byTeacher.reduce((n: number, t: any) => n + t.students.length, 0)).toBe(pairs - 1);

    const years = res.body.byYearGroup.map((y: any) => y.yearGroup);
    expect(years).toEqual(
      [...years].sort((a: string, b: string) => a.localeCompare(b, 'en', { numeric: true })),
    );
    const allUnbooked = res.body.byYearGroup.flatMap((y: any) => y.students.map((s: any) => s.studentId));
    expect(allUnbooked).not.toContain(studentId);
    const held = familyWithTeacher(school, 1);
    expect(allUnbooked).toContain(held.studentId);
    expect(allUnbooked).toHaveLength(school.students.length + 1 - 1);
    const row = res.body.byYearGroup
      .flatMap((y: any) => y.students)
      .find((s: any) => s.studentId === held.studentId);
    expect(row.families).toEqual([
      { familyId: held.family.id, surname: held.family.surname, email: held.family.email },
    ]);
    expect(family.id).toBeTruthy();
  });

  it('exports CSV with proper quoting, a BOM, CRLF and a file name', async () => {
    const res = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/reports/unbooked-by-teacher.csv`,
      {
        token: admin,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[a-z0-9-]+\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The raw bytes start with the UTF-8 byte-order mark (fetch's text() strips it).
    const raw = await fetch(
      `${app.url}/api/v1/admin/events/${school.eventId}/reports/unbooked-by-teacher.csv`,
      {
        headers: { authorization: `Bearer ${admin}` },
      },
    );
    expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(res.body as string);
    expect(rows[0]).toEqual([
      'Teacher',
      'Room',
      'Student',
      'Year group',
      'Class',
      'Family surname',
      'Family email',
    ]);
    expect(rows.slice(1).every((r) => r.length === 7)).toBe(true);
    const mine = rows.find((r) => r[5] === 'O"Brien, Jr')!;
    // The formula is defused; the line break survives inside its quotes.
    expect(mine[2]).toBe(`'=HYPERLINK("x") Line\nBreak`);
    expect(mine.slice(3)).toEqual(['Year 10', '10Z', 'O"Brien, Jr', 'ob@parents.test']);

    const json = await app.api('GET', `/api/v1/admin/events/${school.eventId}/reports/unbooked`, {
      token: admin,
    });
    const expectedRows = json.body.byTeacher.reduce(
      (n: number, t: any) =>
        n + t.students.reduce((m: number, s: any) => m + Math.max(1, s.families.length), 0),
      0,
    );
    expect(rows.length - 1).toBe(expectedRows);

    const byYear = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/reports/unbooked-by-year.csv`,
      {
        token: admin,
      },
    );
    const yearRows = parseCsv(byYear.body as string);
    expect(yearRows[0]).toEqual(['Year group', 'Student', 'Class', 'Family surname', 'Family email']);
    expect(yearRows.find((r) => r[3] === 'O"Brien, Jr')?.[0]).toBe('Year 10');
  });

  it('exports the bookings with times in the school’s zone', async () => {
    const res = await app.api('GET', `/api/v1/admin/events/${school.eventId}/reports/bookings.csv`, {
      token: admin,
    });
    expect(res.status).toBe(200);
    const rows = parseCsv(res.body as string);
    expect(rows[0]).toEqual([
      'Date',
      'Start',
      'End',
      'Teacher',
      'Room',
      'Student',
      'Year group',
      'Class',
      'Family surname',
      'Booked by',
    ]);
    expect(rows).toHaveLength(2); // the one confirmed booking; the hold is not in it
    const { rows: b } = await app.db.query('SELECT starts_at, ends_at FROM bookings WHERE id = $1', [
      bookedId,
    ]);
    const fmt = (d: Date, o: Intl.DateTimeFormatOptions) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hourCycle: 'h23', ...o }).format(d);
    const { family } = familyWithTeacher(school, 0);
    expect(rows[1]).toMatchObject({
      0: b[0].starts_at.toLocaleDateString('en-CA', { timeZone: 'Europe/London' }),
      1: fmt(b[0].starts_at, { hour: '2-digit', minute: '2-digit' }),
      2: fmt(b[0].ends_at, { hour: '2-digit', minute: '2-digit' }),
      8: family.surname,
      9: 'school',
    });
    // Evening appointments in London start from 16:00 local, whatever the server's TZ.
    expect(rows[1]![1]! >= '16:00').toBe(true);
  });

  it('is for this school’s admins only', async () => {
    const teacher = await loginStaff(app, school.teachers[0]!.email);
    for (const path of ['reports/unbooked', 'reports/bookings.csv', 'reports/unbooked-by-year.csv']) {
      expect(
        (await app.api('GET', `/api/v1/admin/events/${school.eventId}/${path}`, { token: teacher })).status,
      ).toBe(403);
      const foreign = await app.api('GET', `/api/v1/admin/events/${other.eventId}/${path}`, { token: admin });
      expect(foreign.status).toBe(404);
      expect(foreign.headers.get('content-type')).toMatch(/application\/json/);
    }
  });
});

describe('search families (to book on a parent’s behalf)', () => {
  it('finds by surname prefix, case-insensitively, with children and their teachers', async () => {
    const f = school.families[0]!;
    const res = await app.api(
      'GET',
      `/api/v1/admin/families?q=${encodeURIComponent(f.surname.slice(0, 3).toLowerCase())}`,
      {
        token: admin,
      },
    );
    expect(res.status).toBe(200);
    const found = res.body.families.find((x: any) => x.id === f.id);
    expect(found.surname).toBe(f.surname);
    expect(found.students.map((s: any) => s.id).sort()).toEqual([...f.studentIds].sort());
    const child = school.students.find((s) => s.id === f.studentIds[0])!;
    expect(found.students.find((s: any) => s.id === child.id).teacherIds.sort()).toEqual(
      [...child.teacherIds].sort(),
    );
    expect(
      res.body.families.every((x: any) =>
        x.surname.toLowerCase().startsWith(f.surname.slice(0, 3).toLowerCase()),
      ),
    ).toBe(true);

    const quoted = await app.api('GET', `/api/v1/admin/families?q=${encodeURIComponent('O"B')}`, {
      token: admin,
    });
    expect(quoted.body.families.map((x: any) => x.id)).toEqual([awkward.familyId]);
    // Wildcards are literal: '%' matches no surname.
    const wild = await app.api('GET', '/api/v1/admin/families?q=%25', { token: admin });
    expect(wild.body.families).toEqual([]);
  });

  it('never returns another school’s families and refuses a missing query or a non-admin', async () => {
    const theirs = other.families[0]!;
    const res = await app.api('GET', `/api/v1/admin/families?q=${encodeURIComponent(theirs.surname)}`, {
      token: admin,
    });
    expect(res.body.families.map((x: any) => x.id)).not.toContain(theirs.id);
    const missing = await app.api('GET', '/api/v1/admin/families', { token: admin });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_input');
    const family = await loginFamily(app, school, 0);
    expect((await app.api('GET', '/api/v1/admin/families?q=a', { token: family })).status).toBe(403);
  });

  it('shows a family’s itinerary to the admin, but not another school’s family', async () => {
    const { family } = familyWithTeacher(school, 0);
    const res = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/families/${family.id}/bookings`,
      {
        token: admin,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.bookings.map((b: BookingView) => b.id)).toEqual([bookedId]);
    const foreign = await app.api(
      'GET',
      `/api/v1/admin/events/${school.eventId}/families/${other.families[0]!.id}/bookings`,
      { token: admin },
    );
    expect(foreign.status).toBe(404);
  });
});
