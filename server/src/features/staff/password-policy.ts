import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIST_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'common-passwords.txt');

let common: Set<string> | null = null;

/** The shipped list of the most common passwords, lower-cased (read once, on first use). */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(LIST_FILE, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.trim().toLowerCase()),
  );
  return common;
}

/**
 * Why a password is refused, or null when it is acceptable: long enough, not on the
 * common list (compared without case and surrounding spaces, since "Password123" is
 * no better than "password123"), and not the account's own e-mail address.
 */
export function passwordProblem(password: string, minLength: number, email?: string): string | null {
  if ([...password].length < minLength) return `Use at least ${minLength} characters.`;
  const folded = password.trim().toLowerCase();
  if (commonPasswords().has(folded)) return 'This password is one of the most common ones; choose another.';
  if (email && (folded === email.toLowerCase() || folded === email.split('@')[0]?.toLowerCase()))
    return 'Do not use your e-mail address as a password.';
  return null;
}
