import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createDb } from '../src/infra/db.ts';
import { ensureDatabase, migrate } from '../src/infra/migrate.ts';
import { serverKeys } from '../src/infra/server-keys.ts';
import { DATA_DIR, DEMO_FILE, seedDemo } from './demo-data.ts';
import { type MailCatcher, startMailCatcher } from './demo-mail-catcher.ts';
import { ensurePostgres, ensureRedis, type LocalService, RedisMissing } from './local-services.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// `npm run demo`: find or start PostgreSQL and Redis (zero set-up), migrate, seed the
// demo school when missing, build the client when it has not been built, then run
// the server and the workers until Ctrl-C. Never used by `npm start`.
const services: LocalService[] = [];
async function stopServices() {
  for (const s of services.reverse()) await s.stop?.().catch(() => {});
}

try {
  const postgres = await ensurePostgres(process.env, DATA_DIR);
  services.push(postgres);
  const redis = await ensureRedis(process.env, DATA_DIR);
  services.push(redis);
  process.env.DATABASE_URL = postgres.url;
  process.env.REDIS_URL = redis.url;
  console.log(`PostgreSQL: ${postgres.origin}\nRedis: ${redis.origin}`);
} catch (err) {
  await stopServices();
  console.error(err instanceof RedisMissing ? err.message : `Could not start the demo's services: ${err}`);
  process.exit(1);
}

// Mail goes to the demo's own catcher unless an SMTP server was named: the
// workers then do not retry into the void, and the page shows what families receive.
let catcher: MailCatcher | null = null;
if (!process.env.SMTP_URL) {
  catcher = await startMailCatcher();
  process.env.SMTP_URL = catcher.smtpUrl;
  const started = catcher;
  services.push({ origin: 'mail catcher', url: started.smtpUrl, stop: () => started.close() });
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  await stopServices();
  process.exit(2);
}
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const db = createDb(config.DATABASE_URL, 2);
const { rowCount } = await db.query(`SELECT 1 FROM schools WHERE code = 'DEMO'`);
if (!rowCount || !existsSync(DEMO_FILE)) await seedDemo(db, serverKeys(config.SERVER_SECRET).accessCode);
await db.end();

if (
  existsSync(path.join(ROOT, 'client/index.html')) &&
  !existsSync(path.join(ROOT, 'client/dist/index.html'))
) {
  console.log('Building the client…');
  const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) {
    await stopServices();
    process.exit(built.status ?? 1);
  }
}

const env = { ...process.env, MIGRATE_ON_START: 'false' };
const children: ChildProcess[] = [];
const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
children.push(spawn(tsx, [path.join(ROOT, 'server/src/index.ts')], { stdio: 'inherit', env }));
if (existsSync(path.join(ROOT, 'workers/index.ts'))) {
  children.push(spawn(tsx, [path.join(ROOT, 'workers/index.ts')], { stdio: 'inherit', env }));
}
console.log(
  `\nConfer demo: http://localhost:${config.PORT}  (logins: ${path.relative(process.cwd(), DEMO_FILE)})${
    catcher ? `\nMail it sends: ${catcher.pageUrl}` : ''
  }\n`,
);

let stopping = false;
const running = new Set(children);
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const c of running) c.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children) {
  c.on('exit', (code) => {
    running.delete(c);
    if (!stopping) {
      console.error(`A Confer process exited (${code}); stopping the demo.`);
      process.exitCode = code ?? 1;
      stop();
    }
    // The services the demo started go last, once nothing uses them.
    if (running.size === 0) void stopServices();
  });
}
