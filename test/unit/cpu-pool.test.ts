import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CpuPool, CpuPoolFull, CpuTaskFailed, CpuTaskOverran } from '../../server/src/infra/cpu-pool.ts';
import type { tasks } from '../support/cpu-test-tasks.ts';

const tasksUrl = new URL('../support/cpu-test-tasks.ts', import.meta.url);
let pool: CpuPool<typeof tasks> | undefined;
afterEach(() => pool?.close());

describe('CPU pool (worker threads)', () => {
  it('runs a TypeScript task in a worker under Vitest while the event loop keeps turning', async () => {
    pool = new CpuPool({ tasksUrl, size: 1, maxQueued: 4 });
    expect(await pool.run('echo', { text: 'hi' }, { hardLimitMs: 20_000 })).toBe('echo: hi');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const spun = await pool.run('spin', { ms: 400 }, { hardLimitMs: 20_000 });
    clearInterval(timer);
    expect(spun).toBeGreaterThan(0);
    // On the event loop the spin would have allowed no tick at all.
    expect(ticks).toBeGreaterThan(5);
  });

  it('hands bytes over without copying them (transfer)', async () => {
    pool = new CpuPool({ tasksUrl, size: 1, maxQueued: 4 });
    const data = new Uint8Array(1024);
    expect(await pool.run('bytes', { data }, { hardLimitMs: 20_000, transfer: [data.buffer] })).toBe(1024);
    expect(data.byteLength).toBe(0);
  });

  it('refuses at once when every worker is busy and the queue is full', async () => {
    pool = new CpuPool({ tasksUrl, size: 1, maxQueued: 1 });
    await pool.run('echo', { text: 'warm' }, { hardLimitMs: 20_000 });
    const running = pool.run('spin', { ms: 300 }, { hardLimitMs: 20_000 });
    const queued = pool.run('spin', { ms: 10 }, { hardLimitMs: 20_000 });
    await expect(pool.run('echo', { text: 'x' }, { hardLimitMs: 20_000 })).rejects.toBeInstanceOf(
      CpuPoolFull,
    );
    expect(pool.load).toEqual({ busy: 1, queued: 1 });
    await Promise.all([running, queued]);
    expect(await pool.run('echo', { text: 'after' }, { hardLimitMs: 20_000 })).toBe('echo: after');
  });

  it('terminates and replaces a worker that overruns its hard limit', async () => {
    pool = new CpuPool({ tasksUrl, size: 1, maxQueued: 4 });
    await pool.run('echo', { text: 'warm' }, { hardLimitMs: 20_000 });
    await expect(pool.run('spin', { ms: 60_000 }, { hardLimitMs: 200 })).rejects.toBeInstanceOf(
      CpuTaskOverran,
    );
    expect(pool.replaced).toBe(1);
    expect(await pool.run('echo', { text: 'fresh' }, { hardLimitMs: 20_000 })).toBe('echo: fresh');
  });

  it('reports a task that throws and keeps the worker', async () => {
    pool = new CpuPool({ tasksUrl, size: 1, maxQueued: 4 });
    await expect(pool.run('fail', null, { hardLimitMs: 20_000 })).rejects.toThrow(CpuTaskFailed);
    expect(pool.replaced).toBe(0);
    expect(await pool.run('echo', { text: 'still' }, { hardLimitMs: 20_000 })).toBe('echo: still');
  });

  it('loads the server task table in its workers when the process runs under tsx (as the server does)', async () => {
    const { stdout } = await promisify(execFile)(
      'node_modules/.bin/tsx',
      ['test/support/cpu-pool-under-tsx.ts'],
      {
        timeout: 30_000,
      },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ chosen: ['x9', 'x10'], provenBest: true });
  });
});
