import { hkdfSync } from 'node:crypto';

/**
 * Keys derived from the one configured SERVER_SECRET, one per purpose (HKDF-SHA256),
 * so a key that leaks through one use says nothing about another and an operator
 * still has only one secret to keep. Server and workers derive the same keys.
 */
export interface ServerKeys {
  /** HMAC key of stored access-code digests: a database dump alone cannot test guesses. */
  accessCode: Buffer;
  /** AES-256-GCM key of secrets waiting in the database for the mail that carries them. */
  mailSeal: Buffer;
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'confer', purpose, 32));
}

export function serverKeys(secret: string): ServerKeys {
  return { accessCode: derive(secret, 'access-code-digest'), mailSeal: derive(secret, 'mail-seal') };
}
