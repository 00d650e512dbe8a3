import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  accessCodeDigest,
  legacyAccessCodeDigest,
  newAccessCode,
  normaliseAccessCode,
} from '../../server/src/features/auth/tokens.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';

const key = serverKeys('a test secret of at least thirty-two characters').accessCode;

describe('family access codes', () => {
  it('are 10 characters without look-alike letters, shown as two groups of five', () => {
    const codes = Array.from({ length: 200 }, newAccessCode);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
    expect(new Set(codes).size).toBe(200);
  });

  it('ignore case, spaces and dashes when typed', () => {
    expect(normaliseAccessCode(' abcde-fghjk ')).toBe('ABCDEFGHJK');
    expect(accessCodeDigest(key, 'abcde fghjk')).toBe(accessCodeDigest(key, 'ABCDE-FGHJK'));
    expect(accessCodeDigest(key, 'ABCDE-FGHJK')).not.toBe(accessCodeDigest(key, 'ABCDE-FGHJM'));
    expect(legacyAccessCodeDigest('abcde fghjk')).toBe(legacyAccessCodeDigest('ABCDE-FGHJK'));
  });

  it('are stored under a key: without it, the unkeyed digest of the code matches nothing', () => {
    const sha = createHash('sha256').update('access:ABCDEFGHJK').digest('hex');
    const stored = accessCodeDigest(key, 'ABCDE-FGHJK');
    expect(stored).not.toBe(sha);
    expect(stored).not.toBe(createHash('sha256').update('ABCDEFGHJK').digest('hex'));
    // Another secret, another digest: the key, not the code alone, decides.
    expect(
      accessCodeDigest(serverKeys('another secret of at least thirty-two chars').accessCode, 'ABCDE-FGHJK'),
    ).not.toBe(stored);
  });
});
