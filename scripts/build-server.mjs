// `npm run build:server`: compiles the server, the workers and the protocol to dist/
// (tsc with tsconfig.build.json; imports of .ts files become .js), and copies what they
// read at run time beside them (migrations, SQL definitions, the password list, the CPU
// pool's thread entry), so `npm start`, `npm run workers` and the Docker image run
// plain JavaScript: no TypeScript loader in production (tsx kept a loader thread and
// its caches in every process). With `--if-stale` it builds only when a source file
// is newer than the last build (what `npm start` and `npm run workers` run first).
// The build is written to a directory of its own and then renamed into place.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.built-at');
const SOURCES = [
  'protocol',
  'i18n',
  'server',
  'workers',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
];
// Read at run time by path, not imported: copied as they are.
const ASSETS = [
  'server/migrations',
  'server/sql',
  'server/src/features/staff/common-passwords.txt',
  'server/src/infra/cpu-worker.mjs',
  // The compiled messages (plain JavaScript from `npm run i18n`) and the English catalog.
  'i18n/paraglide',
];

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

if (process.argv.includes('--if-stale') && existsSync(STAMP)) {
  const built = statSync(STAMP).mtimeMs;
  if (SOURCES.every((s) => !existsSync(path.join(ROOT, s)) || newest(path.join(ROOT, s)) <= built))
    process.exit(0);
  console.error('The sources are newer than dist/: building the server first…');
}

// The messages are compiled first: the server's mail and pages import them.
const i18n = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(ROOT, 'scripts/i18n-compile.ts'), '--if-stale'],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
if (i18n.status !== 0) process.exit(i18n.status ?? 1);

const out = path.join(ROOT, 'node_modules/.cache/confer-build', String(process.pid));
rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
  { cwd: ROOT, stdio: 'inherit' },
);
if (tsc.status !== 0) {
  rmSync(out, { recursive: true, force: true });
  console.error('build:server failed: the TypeScript above does not compile.');
  process.exit(tsc.status ?? 1);
}
for (const asset of ASSETS) cpSync(path.join(ROOT, asset), path.join(out, asset), { recursive: true });
writeFileSync(path.join(out, '.built-at'), `${new Date().toISOString()}\n`);
mkdirSync(DIST, { recursive: true });
const old = `${out}.old`;
mkdirSync(old, { recursive: true });
for (const dir of ['protocol', 'i18n', 'server', 'workers', '.built-at']) {
  const target = path.join(DIST, dir);
  if (existsSync(target)) renameSync(target, path.join(old, dir));
  renameSync(path.join(out, dir), target);
}
rmSync(old, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
console.log('build:server: dist/ holds the compiled server and workers.');
