import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';

/** Opaque bearer token: 256 random bits. Only its digest is ever stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

// No 0/O, 1/I/L: codes are read off paper letters and typed on phones.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A family access code: 10 characters of a 31-letter alphabet (~49 bits), shown as XXXXX-XXXXX. */
export function newAccessCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** Case, spaces and dashes do not matter when a parent types the code. */
export function normaliseAccessCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/**
 * What is stored of an access code: HMAC-SHA256 under a key derived from SERVER_SECRET
 * (infra/server-keys.ts). A code has only about 49 bits, so an unkeyed digest in a
 * database dump could be reversed by trying every code; without the key it cannot.
 */
export function accessCodeDigest(key: Buffer, code: string): string {
  return createHmac('sha256', key)
    .update(`access:${normaliseAccessCode(code)}`)
    .digest('hex');
}

/**
 * The unkeyed digest of codes issued before migration 017, as that migration marked it.
 * Still accepted at sign-in, which replaces it by the keyed digest.
 */
export function legacyAccessCodeDigest(code: string): string {
  return `sha256:${digest(`access:${normaliseAccessCode(code)}`)}`;
}
