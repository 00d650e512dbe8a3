import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';

export interface PrivateRedis {
  url: string;
  kill(): void;
  /** SIGSTOP: the connection stays open and nothing is answered (a frozen Redis). */
  freeze(): void;
  /** SIGCONT after freeze. */
  thaw(): void;
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>;
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

/** A redis-server of this test's own on a free port, so a test can kill Redis without hurting others. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 50; i++) {
      if (await answers(url)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error('redis-server did not start');
  };
  await start();
  return {
    url,
    kill: () => proc?.kill('SIGKILL'),
    freeze: () => proc?.kill('SIGSTOP'),
    thaw: () => proc?.kill('SIGCONT'),
    restart: start,
  };
}
