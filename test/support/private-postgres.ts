import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
// initdb and postgres refuse to run as root: the cluster belongs to this user.
const USER = 'pgtest';

/**
 * A PostgreSQL server of one test's (or the chaos run's) own, on its own port and
 * data directory, so a fault may cut, freeze, kill or restart it without touching
 * the shared one on 5432. Used by the fault tests and by `npm run chaos`.
 */
export interface PrivatePostgres {
  port: number;
  /** Superuser URL of the database `confer` (created at start). */
  url: string;
  /** Superuser URL of another database on this server. */
  urlOf(database: string): string;
  /** Fast shutdown (`pg_ctl stop -m fast`): connections are cut, the server is gone until restart(). */
  stop(): Promise<void>;
  /** SIGSTOP to every server process: connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  /** SIGKILL to every server process (a crash); restart() brings it back. */
  kill(): void;
  restart(): Promise<void>;
  /** pg_terminate_backend of every other connection to `database`; how many were cut. */
  terminateBackends(database?: string): Promise<number>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

function quote(args: string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

async function asUser(args: string[]): Promise<void> {
  await run('su', [USER, '-c', quote(args)]);
}

function ensureUser(): void {
  if (spawnSync('id', [USER]).status !== 0) spawnSync('useradd', ['-m', USER]);
}

/** Starts a fresh cluster on `port` (a random free-looking one by default). */
export async function startPrivatePostgres(
  port = 40000 + Math.floor(Math.random() * 20000),
): Promise<PrivatePostgres> {
  ensureUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  spawnSync('chown', ['-R', USER, dir]);
  await asUser([`${BIN}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const pids = (): number[] => {
    let main: number;
    try {
      main = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return [];
    }
    const children = spawnSync('pgrep', ['-P', String(main)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    return [main, ...children];
  };
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  };
  // 200 connections: the chaos run keeps two instances, their replacements and the
  // workers connected at once.
  const start = async () => {
    await asUser([
      `${BIN}/pg_ctl`,
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  };
  const stop = async (mode: 'fast' | 'immediate') => {
    await asUser([`${BIN}/pg_ctl`, '-D', data, '-m', mode, '-w', 'stop']).catch(() => {});
  };

  let killed: number[] = [];
  await start();
  const admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE confer');
  await admin.end();

  return {
    port,
    url: urlOf('confer'),
    urlOf,
    stop: () => stop('fast'),
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    // Every server process at once, as a machine losing it would: a postmaster killed
    // alone leaves children on the shared memory and the next start refuses.
    kill: () => {
      killed = pids();
      signalAll('SIGKILL');
    },
    async restart() {
      signalAll('SIGCONT');
      // The killed processes must be gone (port and shared memory let go) first.
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 100 && killed.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
      killed = [];
      for (let attempt = 1; ; attempt++) {
        try {
          return await start();
        } catch (err) {
          if (attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    },
    async terminateBackends(database = 'confer') {
      const c = new pg.Client({ connectionString: urlOf('postgres') });
      await c.connect();
      try {
        const { rowCount } = await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
        return rowCount ?? 0;
      } finally {
        await c.end();
      }
    },
    async destroy() {
      signalAll('SIGCONT');
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
