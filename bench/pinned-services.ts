import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './processes.ts';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
// initdb and postgres refuse to run as root: the cluster belongs to this user
// (the same one test/support/private-postgres.ts uses).
const USER = 'pgtest';

export interface BenchService {
  url: string;
  /** The process whose CPU (with its children's) is the service's. */
  pid(): number;
  stop(): Promise<void>;
}

const quote = (args: string[]) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

/**
 * The benchmark's own PostgreSQL, started under `taskset -c <cpus>` so that every
 * process of the cluster (postmaster, backends, WAL writer, checkpointer — children
 * inherit the affinity) runs on the system-under-test's core, and so that the
 * cluster's CPU is the benchmark's alone (the shared server on 5432 serves other
 * sessions' tests too). Durable as the shared one is: fsync and synchronous_commit on.
 */
export async function startBenchPostgres(cpus: string | null): Promise<BenchService> {
  if (spawnSync('id', [USER]).status !== 0) spawnSync('useradd', ['-m', USER]);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-bench-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  spawnSync('chown', ['-R', USER, dir]);
  await run('su', [
    USER,
    '-c',
    quote([`${BIN}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']),
  ]);
  const pin = cpus ? ['taskset', '-c', cpus] : [];
  await run('su', [
    USER,
    '-c',
    quote([
      ...pin,
      `${BIN}/pg_ctl`,
      '-D',
      data,
      '-l',
      path.join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB -c fsync=on -c synchronous_commit=on -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all`,
      'start',
    ]),
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async stop() {
      await run('su', [
        USER,
        '-c',
        quote([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']),
      ]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The benchmark's own Redis (no persistence, as the shared one), pinned like PostgreSQL. */
export async function startBenchRedis(cpus: string | null): Promise<BenchService> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-bench-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const proc = cpus
    ? spawn('taskset', ['-c', cpus, 'redis-server', ...args], { stdio: 'ignore' })
    : spawn('redis-server', args, { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // not listening yet: asked again below
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (i > 100) throw new Error('bench redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: () => proc.pid!,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pins every thread of a running process (the load generator itself) to `cpus`. */
export function pinProcess(pid: number, cpus: string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset ${pid}: ${r.stderr}`);
}
