import { DateTime } from 'luxon';
import { DEVELOPMENT_SERVER_SECRET } from '../../config.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import { serverKeys } from '../../infra/server-keys.ts';
import { hashPassword } from '../auth/passwords.ts';
import { accessCodeDigest, newAccessCode } from '../auth/tokens.ts';
import { addDemoAvailability, createDemoEvent } from './demo-event.ts';

export interface SeedOptions {
  code: string;
  name: string;
  timeZone: string;
  teachers: number;
  families: number;
  /** Teachers each student sees. */
  teachersPerStudent: number;
  /** Share of families with two children (siblings). */
  siblingShare: number;
  slotMinutes: number;
  gapMinutes: number;
  maxPerStudent: number;
  holdSeconds: number;
  /** The evening's local date; tomorrow in the school's zone when omitted. */
  eveningDate?: string;
  from: string;
  to: string;
  /** Booking opens this many minutes from now (negative: already open). */
  opensInMinutes: number;
  password?: string;
  /** Key of the stored access-code digests: the server's (serverKeys(SERVER_SECRET)); the development default when omitted. */
  accessCodeKey?: Buffer;
}

export interface SeededSchool {
  schoolId: string;
  schoolCode: string;
  eventId: string;
  admin: { email: string; password: string; id: string };
  teachers: { id: string; name: string; email: string; password: string }[];
  families: { id: string; surname: string; accessCode: string; email: string | null; studentIds: string[] }[];
  students: { id: string; name: string; teacherIds: string[] }[];
}

export const DEMO_OPTIONS: SeedOptions = {
  code: 'DEMO',
  name: 'Confer Demo Academy',
  timeZone: 'Europe/London',
  teachers: 32,
  families: 300,
  teachersPerStudent: 6,
  siblingShare: 0.4,
  slotMinutes: 5,
  gapMinutes: 0,
  maxPerStudent: 6,
  holdSeconds: 120,
  from: '16:00',
  to: '19:00',
  opensInMinutes: -60,
};

const SURNAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Khan',
  'Hughes',
  'Edwards',
  'Lewis',
  'Ahmed',
  'Turner',
  'Hill',
  'Moore',
  'Cooper',
  'Ward',
  'Morris',
  'King',
  'Watson',
  'Harris',
  'Baker',
  'Young',
  'Allen',
  'Mitchell',
  'Kaur',
  'Nowak',
  'Okafor',
  'Singh',
  'Murphy',
  'Kelly',
  'Price',
  'Bennett',
  'Griffiths',
  'Begum',
  'Ali',
];
const FIRST = [
  'Oliver',
  'Amelia',
  'George',
  'Isla',
  'Noah',
  'Ava',
  'Arthur',
  'Mia',
  'Muhammad',
  'Ivy',
  'Leo',
  'Lily',
  'Harry',
  'Freya',
  'Oscar',
  'Grace',
  'Archie',
  'Sophia',
  'Henry',
  'Florence',
  'Theo',
  'Willow',
  'Jack',
  'Rosie',
  'Charlie',
  'Evie',
  'Freddie',
  'Poppy',
  'Alfie',
  'Ella',
  'Aisha',
  'Zain',
];
const SUBJECTS = [
  'English',
  'Maths',
  'Science',
  'History',
  'Geography',
  'French',
  'Spanish',
  'Art',
  'Music',
  'PE',
  'Computing',
  'Drama',
  'RE',
  'Design & Technology',
  'Biology',
  'Chemistry',
  'Physics',
  'German',
];
const TITLES = ['Mr', 'Ms', 'Mrs', 'Dr', 'Miss'];

/** A small deterministic generator, so the same options give the same school. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Creates (or replaces) a school with staff, families, students, class lists and
 * one event whose booking is open. Used by `npm run seed:demo`, the tests and the
 * benchmark, so all three exercise the same shape of data.
 */
export async function seedSchool(db: Db, o: SeedOptions): Promise<SeededSchool> {
  const rand = rng([...o.code].reduce((a, c) => a * 31 + c.charCodeAt(0), 7));
  const accessCodeKey = o.accessCodeKey ?? serverKeys(DEVELOPMENT_SERVER_SECRET).accessCode;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const domain = `${o.code.toLowerCase()}.school.test`;
  const adminPassword = o.password ?? `admin-${newAccessCode()}`;
  const teacherPassword = o.password ?? `teach-${newAccessCode()}`;
  const [adminHash, teacherHash] = await Promise.all([
    hashPassword(adminPassword),
    hashPassword(teacherPassword),
  ]);

  const seeded = await inTransaction(db, async (c) => {
    await c.query(`SET LOCAL confer.allow_school_removal = 'on'`);
    await c.query('DELETE FROM schools WHERE code = $1', [o.code]);
    const { rows: sc } = await c.query<{ id: string }>(
      'INSERT INTO schools (code, name, time_zone) VALUES ($1, $2, $3) RETURNING id',
      [o.code, o.name, o.timeZone],
    );
    const schoolId = sc[0]!.id;
    const { rows: adm } = await c.query<{ id: string }>(
      `INSERT INTO staff (school_id, email, title, first_name, surname, password_hash, is_admin, is_teacher)
       VALUES ($1, $2, 'Mrs', 'Alex', 'Head', $3, true, false) RETURNING id`,
      [schoolId, `admin@${domain}`, adminHash],
    );

    const teachers: SeededSchool['teachers'] = [];
    const subjectOf: string[] = [];
    for (let i = 0; i < o.teachers; i++) {
      const first = pick(FIRST);
      const surname = `${pick(SURNAMES)}${i >= SURNAMES.length ? `-${i}` : ''}`;
      const title = pick(TITLES);
      const email = `t${i + 1}@${domain}`;
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO staff (school_id, external_id, email, title, first_name, surname, password_hash, is_teacher)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true) RETURNING id`,
        [schoolId, `T${i + 1}`, email, title, first, surname, teacherHash],
      );
      teachers.push({ id: rows[0]!.id, name: `${title} ${surname}`, email, password: teacherPassword });
      subjectOf.push(SUBJECTS[i % SUBJECTS.length]!);
    }

    const families: SeededSchool['families'] = [];
    const students: SeededSchool['students'] = [];
    const fam = {
      ids: [] as string[],
      ext: [] as string[],
      surnames: [] as string[],
      emails: [] as (string | null)[],
      codes: [] as string[],
    };
    const stu = {
      ext: [] as string[],
      first: [] as string[],
      surnames: [] as string[],
      years: [] as string[],
      classes: [] as string[],
      fam: [] as number[],
    };
    for (let f = 0; f < o.families; f++) {
      const surname = pick(SURNAMES);
      const code = newAccessCode();
      fam.ext.push(`F${f + 1}`);
      fam.surnames.push(surname);
      fam.emails.push(rand() < 0.85 ? `family${f + 1}@parents.test` : null);
      fam.codes.push(code);
      const children = rand() < o.siblingShare ? 2 : 1;
      for (let k = 0; k < children; k++) {
        const year = 7 + Math.floor(rand() * 5);
        stu.ext.push(`S${stu.ext.length + 1}`);
        stu.first.push(pick(FIRST));
        stu.surnames.push(surname);
        stu.years.push(`Year ${year}`);
        stu.classes.push(`${year}${pick(['A', 'B', 'C', 'D'])}`);
        stu.fam.push(f);
      }
    }
    const { rows: famRows } = await c.query<{ id: string }>(
      `INSERT INTO families (school_id, external_id, surname, email, access_code_hash)
       SELECT $1, e, s, m, h FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(e, s, m, h, n)
       ORDER BY n RETURNING id`,
      [
        schoolId,
        fam.ext,
        fam.surnames,
        fam.emails,
        fam.codes.map((code) => accessCodeDigest(accessCodeKey, code)),
      ],
    );
    const { rows: stuRows } = await c.query<{ id: string }>(
      `INSERT INTO students (school_id, external_id, first_name, surname, year_group, class_name)
       SELECT $1, e, f, s, y, k FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(e, f, s, y, k, n)
       ORDER BY n RETURNING id`,
      [schoolId, stu.ext, stu.first, stu.surnames, stu.years, stu.classes],
    );
    const links = { fam: [] as string[], stu: [] as string[] };
    const teach = { staff: [] as string[], stu: [] as string[], subject: [] as string[] };
    famRows.forEach((r, f) => {
      families.push({
        id: r.id,
        surname: fam.surnames[f]!,
        accessCode: fam.codes[f]!,
        email: fam.emails[f]!,
        studentIds: [],
      });
      fam.ids.push(r.id);
    });
    stuRows.forEach((r, s) => {
      const f = stu.fam[s]!;
      families[f]!.studentIds.push(r.id);
      links.fam.push(fam.ids[f]!);
      links.stu.push(r.id);
      const chosen = new Set<number>();
      while (chosen.size < Math.min(o.teachersPerStudent, o.teachers))
        chosen.add(Math.floor(rand() * o.teachers));
      const teacherIds = [...chosen].map((t) => teachers[t]!.id);
      for (const t of chosen) {
        teach.staff.push(teachers[t]!.id);
        teach.stu.push(r.id);
        teach.subject.push(subjectOf[t]!);
      }
      students.push({ id: r.id, name: `${stu.first[s]} ${stu.surnames[s]}`, teacherIds });
    });
    await c.query(
      'INSERT INTO family_students (family_id, student_id) SELECT * FROM unnest($1::uuid[], $2::uuid[])',
      [links.fam, links.stu],
    );
    await c.query(
      'INSERT INTO teacher_students (staff_id, student_id, subject) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])',
      [teach.staff, teach.stu, teach.subject],
    );
    return {
      schoolId,
      admin: { email: `admin@${domain}`, password: adminPassword, id: adm[0]!.id },
      teachers,
      families,
      students,
    };
  });

  const now = DateTime.now();
  const date = o.eveningDate ?? now.setZone(o.timeZone).plus({ days: 1 }).toISODate()!;
  const evening = (t: string) => DateTime.fromISO(`${date}T${t}`, { zone: o.timeZone }).toJSDate();
  const eventId = await createDemoEvent(db, {
    schoolId: seeded.schoolId,
    name: `Parents' evening ${date}`,
    bookingOpensAt: now.plus({ minutes: o.opensInMinutes }).toJSDate(),
    bookingClosesAt: evening(o.from),
    slotMinutes: o.slotMinutes,
    gapMinutes: o.gapMinutes,
    maxPerStudent: o.maxPerStudent,
    holdSeconds: o.holdSeconds,
  });
  for (const [i, t] of seeded.teachers.entries()) {
    await addDemoAvailability(db, eventId, {
      staffId: t.id,
      room: `Room ${100 + i + 1}`,
      windows: [{ startsAt: evening(o.from), endsAt: evening(o.to) }],
      breaks: [],
    });
  }
  return { ...seeded, schoolCode: o.code, eventId };
}
