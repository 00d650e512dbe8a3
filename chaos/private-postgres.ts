import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';
const USER = 'pgtest';

/**
 * A PostgreSQL cluster of the chaos run's own (never the shared one on 5432), so a
 * scenario may stop, freeze or cut it. initdb refuses root, hence the `pgtest` user.
 */
export interface PrivatePostgres {
  port: number;
  /** Superuser URL of database `db`. */
  url(db: string): string;
  start(): Promise<void>;
  /** Fast shutdown: every connection is cut, the server is gone until start(). */
  stop(): void;
  /** SIGSTOP to every server process: connections hang, nothing answers. */
  freeze(): void;
  thaw(): void;
  terminateBackends(db: string): Promise<number>;
  destroy(): void;
}

function asPgUser(args: string[]): void {
  const r = spawnSync('su', [USER, '-c', args.map((a) => `'${a}'`).join(' ')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr || r.stdout}`);
}

function ensureUser(): void {
  if (spawnSync('id', [USER]).status !== 0) execFileSync('useradd', ['-m', USER]);
}

export async function startPrivatePostgres(port: number): Promise<PrivatePostgres> {
  ensureUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-chaos-pg-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  execFileSync('chown', ['-R', USER, dir]);
  asPgUser([`${BIN}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const pids = (): number[] => {
    const main = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('pgrep', ['-P', String(main)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
      .map(Number);
    return [main, ...children];
  };
  const signalAll = (sig: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, sig);
      } catch {
        // exited meanwhile
      }
    }
  };
  const pgc = {
    port,
    url,
    async start() {
      asPgUser([
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
    },
    stop() {
      asPgUser([`${BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop']);
    },
    freeze: () => signalAll('SIGSTOP'),
    thaw: () => signalAll('SIGCONT'),
    async terminateBackends(db: string) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      try {
        const { rowCount } = await c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [db],
        );
        return rowCount ?? 0;
      } finally {
        await c.end();
      }
    },
    destroy() {
      try {
        signalAll('SIGCONT');
        asPgUser([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pgc.start();
  return pgc;
}
