/**
 * The i-th simulated client's own loopback source address (127.x.y.z), so that
 * per-address limits see many clients, as they would on the internet. Every
 * address of 127.0.0.0/8 is local; we skip 127.0.0.0/16 (the server's own) and
 * host parts 0 and 255.
 */
export function sourceAddress(i: number): string {
  const z = (i % 254) + 1;
  const y = Math.floor(i / 254) % 254;
  const x = 1 + Math.floor(i / (254 * 254));
  if (x > 254) throw new Error('too many simulated clients for 127.0.0.0/8');
  return `127.${x}.${y}.${z}`;
}
