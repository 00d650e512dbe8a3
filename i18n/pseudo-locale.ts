/**
 * The pseudo-locale en-XA: English with every letter accented and every text wrapped in ⟦ ⟧.
 * Still readable, so a tester can use the product in it; any English left on a screen shown in
 * en-XA did not come through the message layer (test/e2e/pseudo-locale.test.ts fails on it), and
 * the brackets show where a text is cut short.
 */
import type { Catalog, Message } from './checks.ts';

const ACCENTED: Record<string, string> = {
  a: 'á',
  b: 'ƀ',
  c: 'ç',
  d: 'ď',
  e: 'é',
  f: 'ƒ',
  g: 'ĝ',
  h: 'ĥ',
  i: 'í',
  j: 'ĵ',
  k: 'ķ',
  l: 'ļ',
  m: 'ɱ',
  n: 'ñ',
  o: 'ó',
  p: 'þ',
  q: 'ǫ',
  r: 'ŕ',
  s: 'š',
  t: 'ţ',
  u: 'ú',
  v: 'ṽ',
  w: 'ŵ',
  x: 'ẋ',
  y: 'ý',
  z: 'ž',
  A: 'Á',
  B: 'Ɓ',
  C: 'Ç',
  D: 'Ď',
  E: 'É',
  F: 'Ƒ',
  G: 'Ĝ',
  H: 'Ĥ',
  I: 'Í',
  J: 'Ĵ',
  K: 'Ķ',
  L: 'Ļ',
  M: 'Ṁ',
  N: 'Ñ',
  O: 'Ó',
  P: 'Þ',
  Q: 'Ǫ',
  R: 'Ŕ',
  S: 'Š',
  T: 'Ţ',
  U: 'Ú',
  V: 'Ṽ',
  W: 'Ŵ',
  X: 'Ẋ',
  Y: 'Ý',
  Z: 'Ž',
};

export const PSEUDO_OPEN = '⟦';
export const PSEUDO_CLOSE = '⟧';

/** Accents the letters outside {placeholders}; the placeholders stay as they are. */
export function pseudoText(text: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      out += ch + text[++i];
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    out += depth === 0 ? (ACCENTED[ch] ?? ch) : ch;
  }
  return `${PSEUDO_OPEN}${out}${PSEUDO_CLOSE}`;
}

function pseudoMessage(message: Message): Message {
  if (typeof message === 'string') return pseudoText(message);
  return message.map((v) => ({
    ...v,
    match: Object.fromEntries(Object.entries(v.match).map(([k, t]) => [k, pseudoText(t)])),
  }));
}

export function pseudoCatalog(base: Catalog): Catalog {
  return Object.fromEntries(Object.entries(base).map(([k, m]) => [k, pseudoMessage(m)]));
}
