import { describe, expect, it } from 'vitest';
import {
  accessCodeDigest,
  newAccessCode,
  normaliseAccessCode,
} from '../../server/src/features/auth/tokens.ts';

describe('family access codes', () => {
  it('are 10 characters without look-alike letters, shown as two groups of five', () => {
    const codes = Array.from({ length: 200 }, newAccessCode);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
    expect(new Set(codes).size).toBe(200);
  });

  it('ignore case, spaces and dashes when typed', () => {
    expect(normaliseAccessCode(' abcde-fghjk ')).toBe('ABCDEFGHJK');
    expect(accessCodeDigest('abcde fghjk')).toBe(accessCodeDigest('ABCDE-FGHJK'));
    expect(accessCodeDigest('ABCDE-FGHJK')).not.toBe(accessCodeDigest('ABCDE-FGHJM'));
  });
});
