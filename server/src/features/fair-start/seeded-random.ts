import { createHash } from 'node:crypto';

/**
 * A seeded pseudo-random generator (sfc32, state from SHA-256 of the seed). Not for
 * secrets: its point is that anyone holding the seed gets the same sequence on any
 * machine, so a recorded draw can be recomputed and checked.
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** The lottery order: a Fisher–Yates shuffle of the ids in canonical (sorted) order. */
export function drawOrder(seed: string, ids: readonly string[]): string[] {
  const order = [...new Set(ids)].sort();
  const next = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
