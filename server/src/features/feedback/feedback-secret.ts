import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

// The reference's alphabet: no 0/O, 1/I/L, since both are read off mails and typed on phones.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * The secret that, with the reference, opens an item's status: 16 characters of 31
 * (about 79 bits), in groups of four so it can be copied by hand. The reference alone
 * is quoted in mails and letters and is 8 characters; it must not be a key.
 */
export function newFeedbackSecret(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = '';
    for (let i = 0; i < 4; i++) s += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join('-');
}

/** Case, spaces and dashes as typed do not count: `abcd efgh…` is `ABCD-EFGH-…`. */
function canonical(secret: string): string {
  return secret.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** What the database keeps: a digest, so a dump does not open anyone's complaint. */
export function feedbackSecretDigest(secret: string): string {
  return createHash('sha256')
    .update(`feedback-secret:${canonical(secret)}`)
    .digest('hex');
}

/** Constant-time, so the answer's timing says nothing about how much of a guess was right. */
export function feedbackSecretMatches(secret: string, storedDigest: string | null): boolean {
  const given = Buffer.from(feedbackSecretDigest(secret), 'hex');
  // A reference that does not exist is compared against a digest of nothing, so it
  // costs the same as a wrong secret.
  const stored = Buffer.from(storedDigest ?? feedbackSecretDigest(''), 'hex');
  return timingSafeEqual(given, stored) && storedDigest !== null;
}
