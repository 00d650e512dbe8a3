/**
 * `npm run check:bundle`: the JavaScript a parent's browser loads before the
 * booking grid can work (the entry chunk and everything it imports statically,
 * not the lazily loaded teacher/admin views), gzipped. Fails above 100 KB.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildClient, CLIENT_DIST, clientBuildIsStale } from '../test/e2e/support/client-build.ts';

const LIMIT_BYTES = 100 * 1024;

async function main() {
  if (clientBuildIsStale()) await buildClient();
  const html = readFileSync(path.join(CLIENT_DIST, 'index.html'), 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/([^"]+\.js)"/g)) initial.add(m[1]!);
  // Static imports of the entry (shared chunks) load at once too; dynamic import() ones do not.
  const queue = [...initial];
  while (queue.length) {
    const file = queue.pop()!;
    const code = readFileSync(path.join(CLIENT_DIST, file), 'utf8');
    for (const m of code.matchAll(
      /(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([\w.-]+\.js)["']/g,
    )) {
      const dep = path.posix.join(path.posix.dirname(file), m[1]!);
      if (!initial.has(dep)) {
        initial.add(dep);
        queue.push(dep);
      }
    }
  }
  let raw = 0;
  let gz = 0;
  for (const file of initial) {
    const buf = readFileSync(path.join(CLIENT_DIST, file));
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
    console.log(`  ${file}  ${(buf.length / 1024).toFixed(1)} KB raw`);
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`parent view initial JS: ${kb(gz)} gzipped (${kb(raw)} raw), limit ${kb(LIMIT_BYTES)}`);
  if (gz > LIMIT_BYTES) {
    console.error('over the limit');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
