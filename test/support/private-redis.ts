import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A redis-server of one test's (or the chaos run's) own, on its own port and data
 * directory, so a fault may kill, freeze or wipe it without touching the shared one
 * on 6379. Used by the fault tests and by `npm run chaos`.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  kill(): void;
  /** SIGSTOP: the connection stays open and nothing is answered (a frozen Redis). */
  freeze(): void;
  /** SIGCONT after freeze. */
  thaw(): void;
  /**
   * Starts it again on the same port (after kill). With `keepData: false` whatever
   * it had written is deleted first: a Redis that lost its data.
   */
  restart(opts?: { keepData?: boolean }): Promise<void>;
  /** Kills it and removes its data directory. */
  destroy(): void;
}

export interface PrivateRedisOptions {
  /** Default: a random high port. */
  port?: number;
  /**
   * An append-only file with `appendfsync always`, so a write Redis acknowledged
   * survives a SIGKILL (the chaos run's "persistence on"). Default: no persistence.
   */
  appendOnly?: boolean;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startPrivateRedis(o: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  // A port the kernel just gave out, not a random one: a random port in 20000–40000
  // collided with the ephemeral ports of outgoing connections on a busy run, and
  // redis-server could not bind it ("redis-server did not start").
  const port = o.port ?? (await freeLoopbackPort());
  const url = `redis://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-redis-'));
  const persistence = o.appendOnly
    ? ['--appendonly', 'yes', '--appendfsync', 'always']
    : ['--appendonly', 'no'];
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence],
      { stdio: 'ignore' },
    );
    // A loaded machine (the chaos run next to other work) can take seconds to start it.
    for (let i = 0; i < 100; i++) {
      if (await answers(url)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error('redis-server did not start');
  };
  const kill = () => {
    proc?.kill('SIGKILL');
  };
  await start();
  return {
    url,
    port,
    kill,
    freeze: () => proc?.kill('SIGSTOP'),
    thaw: () => proc?.kill('SIGCONT'),
    async restart({ keepData = true } = {}) {
      kill();
      // The killed process must let go of the port before a new one binds it.
      await new Promise((r) => setTimeout(r, 100));
      if (!keepData)
        for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
      await start();
    },
    destroy() {
      kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
