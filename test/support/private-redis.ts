import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  url: string;
  kill(): void;
}

/** A redis-server of this test's own on a free port, so a test can kill Redis without hurting others. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { url, kill: () => proc.kill('SIGKILL') };
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start');
}
