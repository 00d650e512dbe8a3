import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbeStats } from './instance-probe.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = path.join(ROOT, 'bench/instance-probe.ts');

/** A server or worker process started from its real entry point, with the probe preloaded. */
export interface Started {
  name: string;
  child: ChildProcess;
  url: string | null;
  output(): string;
  stats(): Promise<ProbeStats | null>;
  resetStats(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  cpus: string | null = null,
): Started {
  // BENCH_PROFILE_DIR=<dir>: each server and worker writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_PROFILE_DIR, name)}`]
    : [];
  const node = [process.execPath, ...profile, '--import', 'tsx', '--import', PROBE, entry];
  // cpus: pinned with taskset, which execs node in its own place (the pid is node's).
  const [command, ...args] = cpus ? ['taskset', '-c', cpus, ...node] : node;
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const ask = <T>(type: string, answer: string, timeoutMs = 5000) =>
    new Promise<T | null>((resolve) => {
      if (!child.connected) return resolve(null);
      const timer = setTimeout(() => {
        child.off('message', on);
        resolve(null);
      }, timeoutMs);
      const on = (msg: { type?: string; stats?: T }) => {
        if (msg?.type !== answer) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve((msg.stats ?? null) as T | null);
      };
      child.on('message', on);
      child.send({ type });
    });
  return {
    name,
    child,
    url: null,
    output: () => log,
    stats: () => ask<ProbeStats>('probe:stats', 'probe:stats'),
    resetStats: async () => {
      await ask('probe:reset', 'probe:reset:done');
    },
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill(signal);
      }),
  };
}

/** Starts `server/src/index.ts` on a free loopback port and waits until /healthz answers 200. */
export async function startServer(
  name: string,
  env: Record<string, string>,
  cpus: string | null = null,
): Promise<Started> {
  const port = await freePort();
  const started = startProcess(
    name,
    path.join(ROOT, 'server/src/index.ts'),
    { ...env, HOST: '127.0.0.1', PORT: String(port) },
    cpus,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (started.child.exitCode !== null)
      throw new Error(`${name} exited (${started.child.exitCode}):\n${started.output()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await started.stop('SIGKILL');
      throw new Error(`${name} did not become healthy:\n${started.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...started, url };
}

/** Starts the workers' entry point when it exists (its own engineer owns it). */
export function startWorkers(
  env: Record<string, string>,
  entry = path.join(ROOT, 'workers/index.ts'),
  cpus: string | null = null,
): Started {
  return startProcess('workers', entry, env, cpus);
}
