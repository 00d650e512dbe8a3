// Loaded with `--import` into a server or worker process by scripts/booking-cost.ts,
// ahead of its real entry point: counts every statement the process sends to
// PostgreSQL (each is one round trip), by prepared name or the statement's first
// words, and answers `count:stats` / `count:reset` over the IPC channel. Plain
// JavaScript, so it loads into the compiled server (dist/) as into the tsx one.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pg = require('pg');
const counts = new Map();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  const q = args[0];
  const text = typeof q === 'string' ? q : (q?.name ?? q?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 70);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return original.apply(this, args);
};

if (process.send) {
  process.on('message', (msg) => {
    if (msg?.type === 'count:reset') {
      counts.clear();
      process.send({ type: 'count:reset:done' });
    } else if (msg?.type === 'count:gc') {
      globalThis.gc?.();
      process.send({ type: 'count:gc:done' });
    } else if (msg?.type === 'count:stats') {
      const memory = process.memoryUsage();
      process.send({ type: 'count:stats', counts: Object.fromEntries(counts), rssBytes: memory.rss, memory });
    }
  });
  process.channel?.unref();
}
