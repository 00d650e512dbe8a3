import { hash, verify } from '@node-rs/argon2';

// argon2id with the library's defaults (19 MiB, t=2): ~30 ms here, slow enough for
// an attacker with the hashes, fast enough for a login rush of staff.
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verifying against a real hash when the account does not exist keeps the answer
// time the same, so login timing does not reveal which emails are staff.
let dummy: Promise<string> | null = null;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hash('confer-dummy-password');
  await verifyPassword(await dummy, password);
  return false;
}
