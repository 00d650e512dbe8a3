import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/**
 * A redis-server of the chaos run's own. Unlike test/support/private-redis.ts it
 * keeps an append-only file in a data directory, so a scenario can restart it with
 * its data (persistence on) or wipe the directory first (data lost).
 */
export interface ChaosRedis {
  url: string;
  kill(): void;
  /** Starts it again on the same port; `keepData: false` deletes what it had written. */
  restart(opts: { keepData: boolean }): Promise<void>;
  destroy(): void;
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

export async function startChaosRedis(port: number): Promise<ChaosRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'confer-chaos-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(
      'redis-server',
      // appendfsync always: a write Redis acknowledged survives a SIGKILL, as the
      // "persistence on" scenario assumes.
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
        'always',
      ],
      { stdio: 'ignore' },
    );
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
    kill,
    async restart({ keepData }) {
      kill();
      await new Promise((r) => setTimeout(r, 100));
      if (!keepData) {
        for (const f of readdirSync(dir)) rmSync(path.join(dir, f), { recursive: true, force: true });
      }
      await start();
    },
    destroy() {
      kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
