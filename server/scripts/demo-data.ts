import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_OPTIONS, seedSchool } from '../src/features/demo/demo-seed.ts';
import type { Db } from '../src/infra/db.ts';

export const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.data');
export const DEMO_FILE = path.join(DATA_DIR, 'demo.json');

/** Seeds (or replaces) the demo school and writes its logins to .data/demo.json. */
export async function seedDemo(db: Db, accessCodeKey: Buffer): Promise<void> {
  const s = await seedSchool(db, { ...DEMO_OPTIONS, accessCodeKey });
  await mkdir(DATA_DIR, { recursive: true });
  const logins = {
    note: 'Logins of the demo school. Families sign in with school code + surname + access code.',
    schoolCode: s.schoolCode,
    eventId: s.eventId,
    admin: { email: s.admin.email, password: s.admin.password },
    teachers: s.teachers.map((t) => ({ name: t.name, email: t.email, password: t.password })),
    families: s.families.map((f) => ({
      surname: f.surname,
      accessCode: f.accessCode,
      children: f.studentIds.length,
    })),
  };
  await writeFile(DEMO_FILE, `${JSON.stringify(logins, null, 2)}\n`, { mode: 0o600 });
  console.log(
    `Demo school ${s.schoolCode}: ${s.teachers.length} teachers, ${s.families.length} families, ${s.students.length} students; logins in ${path.relative(process.cwd(), DEMO_FILE)}`,
  );
}
