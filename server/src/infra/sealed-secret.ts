import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A secret kept in the database only until the mail that carries it is sent:
 * AES-256-GCM with a key from the configuration, so neither a database dump nor a
 * Redis dump alone gives it up. Format: base64url(iv).base64url(tag).base64url(data).
 * `context` (e.g. the row's id) is authenticated, so a sealed value copied onto
 * another row does not open there.
 */
export function seal(key: Buffer, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

/** The secret, or null when the value was sealed with another key or for another row. */
export function unseal(key: Buffer, sealed: string, context: string): string | null {
  const [iv, tag, data] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !data) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
