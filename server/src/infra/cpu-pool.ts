import { type Transferable, Worker } from 'node:worker_threads';

/** The functions a pool's workers run, by name: one argument in, a cloneable value out. */
// biome-ignore lint/suspicious/noExplicitAny: each task declares its own input type.
export type TaskTable = Record<string, (input: any) => unknown>;

/** Every worker is busy and the queue is full: the caller should answer 503 and come back. */
export class CpuPoolFull extends Error {
  readonly retryAfterSeconds = 1;
}

/** The task ran past its hard limit; its worker was terminated and replaced. */
export class CpuTaskOverran extends Error {
  readonly retryAfterSeconds = 2;
}

/** The task threw, or its worker died (out of memory, say); the message is for the log only. */
export class CpuTaskFailed extends Error {}

export interface CpuPoolOptions {
  /** Module (file URL) exporting `tasks`, loaded by every worker. */
  tasksUrl: URL;
  size: number;
  /** Tasks that may wait for a worker; beyond it `run` refuses at once. */
  maxQueued: number;
  /** Heap per worker: a task that balloons dies alone instead of taking the server with it. */
  maxHeapMb?: number;
}

interface Job {
  id: number;
  task: string;
  input: unknown;
  transfer: Transferable[];
  hardLimitMs: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Lane {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

type Reply =
  | { ready: true }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string };

const WORKER_URL = new URL('./cpu-worker.mjs', import.meta.url);

/**
 * A small fixed set of worker threads for CPU-bound work (itinerary planning, CSV
 * imports), so the event loop keeps answering every other request meanwhile. Each
 * task has a hard time limit: a worker that overruns it is terminated and replaced
 * (the task's own deadline should end it well before). Tasks beyond the queue limit
 * are refused rather than left to pile up behind the busy workers.
 */
export class CpuPool<T extends TaskTable> {
  private readonly lanes: Lane[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers terminated for overrunning or dying (for tests and the benchmark). */
  replaced = 0;

  private started = false;

  constructor(private readonly opts: CpuPoolOptions) {}

  /**
   * Starts the workers now rather than on the first task (each takes about a second
   * of CPU to load TypeScript, which a test server that never plans need not pay).
   */
  warm(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (let i = 0; i < this.opts.size; i++) this.lanes.push(this.spawn());
  }

  run<K extends keyof T & string>(
    task: K,
    input: Parameters<T[K]>[0],
    limits: { hardLimitMs: number; transfer?: Transferable[] },
  ): Promise<Awaited<ReturnType<T[K]>>> {
    this.warm();
    if (this.closed || this.lanes.length === 0)
      return Promise.reject(new CpuTaskFailed('The CPU pool is closed or has no worker.'));
    const idle = this.lanes.find((l) => l.ready && !l.job);
    if (!idle && this.queue.length >= this.opts.maxQueued)
      return Promise.reject(new CpuPoolFull('Every CPU worker is busy.'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        task,
        input,
        transfer: limits.transfer ?? [],
        hardLimitMs: limits.hardLimitMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (idle) this.start(idle, job);
      else this.queue.push(job);
    });
  }

  /** Busy workers and waiting tasks, right now. */
  get load(): { busy: number; queued: number } {
    return { busy: this.lanes.filter((l) => l.job).length, queued: this.queue.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new CpuTaskFailed('The CPU pool is closed.'));
    await Promise.all(
      this.lanes.map(async (lane) => {
        if (lane.timer) clearTimeout(lane.timer);
        lane.job?.reject(new CpuTaskFailed('The CPU pool is closed.'));
        lane.job = null;
        await lane.worker.terminate();
      }),
    );
  }

  private spawn(): Lane {
    const worker = new Worker(WORKER_URL, {
      workerData: { tasksUrl: this.opts.tasksUrl.href },
      resourceLimits: this.opts.maxHeapMb ? { maxOldGenerationSizeMb: this.opts.maxHeapMb } : undefined,
    });
    // The pool must not keep a finished process alive; close() ends the workers anyway.
    worker.unref();
    const lane: Lane = { worker, ready: false, job: null, timer: null };
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        lane.ready = true;
        this.next(lane);
        return;
      }
      const job = lane.job;
      if (!job || job.id !== reply.id) return;
      this.finish(lane);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new CpuTaskFailed(reply.message));
      this.next(lane);
    });
    worker.on('error', (err) => this.lose(lane, new CpuTaskFailed(`CPU worker died: ${err.message}`)));
    worker.on('exit', () => this.lose(lane, new CpuTaskFailed('CPU worker exited.')));
    return lane;
  }

  private start(lane: Lane, job: Job): void {
    lane.job = job;
    lane.timer = setTimeout(() => {
      this.lose(lane, new CpuTaskOverran(`CPU task ${job.task} ran past ${job.hardLimitMs} ms.`));
    }, job.hardLimitMs);
    lane.worker.postMessage({ id: job.id, task: job.task, input: job.input }, job.transfer);
  }

  private finish(lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = null;
    lane.job = null;
  }

  private next(lane: Lane): void {
    const job = this.queue.shift();
    if (job) this.start(lane, job);
  }

  /** The lane's worker is gone or must go: fail its task and put a fresh worker in its place. */
  private lose(lane: Lane, err: Error): void {
    const index = this.lanes.indexOf(lane);
    if (index < 0 || this.closed) return;
    const job = lane.job;
    this.finish(lane);
    job?.reject(err);
    lane.worker.removeAllListeners();
    lane.worker.on('error', () => {});
    void lane.worker.terminate();
    this.replaced++;
    if (lane.ready) {
      this.lanes[index] = this.spawn();
      return;
    }
    // A worker that died before it could load its tasks would die again: respawning
    // it would spin; the pool shrinks instead and says so to whoever waits.
    this.lanes.splice(index, 1);
    if (this.lanes.length === 0)
      for (const waiting of this.queue.splice(0))
        waiting.reject(new CpuTaskFailed('No CPU worker could start.'));
  }
}
