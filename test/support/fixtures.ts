import {
  DEMO_OPTIONS,
  type SeededSchool,
  type SeedOptions,
  seedSchool,
} from '../../server/src/features/demo/demo-seed.ts';
import type { TestApp } from './test-app.ts';

export const PASSWORD = 'correct horse battery staple';

/** A small school with one open event, seeded through the same code as the demo. */
export function seedSmallSchool(app: TestApp, overrides: Partial<SeedOptions> = {}): Promise<SeededSchool> {
  return seedSchool(app.db, {
    ...DEMO_OPTIONS,
    code: 'TEST',
    name: 'Test School',
    teachers: 4,
    families: 10,
    teachersPerStudent: 3,
    siblingShare: 0.5,
    password: PASSWORD,
    ...overrides,
  });
}

export async function loginFamily(app: TestApp, school: SeededSchool, index: number): Promise<string> {
  const f = school.families[index]!;
  const res = await app.api('POST', '/api/v1/auth/family/login', {
    body: { schoolCode: school.schoolCode, surname: f.surname, accessCode: f.accessCode },
    headers: { 'x-forwarded-for': `10.0.0.${index % 250}` },
  });
  if (res.status !== 200) throw new Error(`family login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

export async function loginStaff(app: TestApp, email: string, password = PASSWORD): Promise<string> {
  const res = await app.api('POST', '/api/v1/auth/staff/login', { body: { email, password } });
  if (res.status !== 200) throw new Error(`staff login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** Emits a socket command and resolves with its acknowledgement. */
export function ask<T = any>(
  socket: { emit: (...args: any[]) => unknown },
  event: string,
  payload: unknown,
): Promise<T> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}
