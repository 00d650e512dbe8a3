import type { AddressInfo } from 'node:net';
import type { Queue } from 'bullmq';
import { type ParsedMail, simpleParser } from 'mailparser';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../server/src/config.ts';
import { idleTimeoutScheduler } from '../../server/src/features/sessions/idle-timeout-queue.ts';
import { createMailer } from '../../server/src/infra/mailer.ts';
import { createSessionIdleQueue } from '../../server/src/wiring/queues.ts';
import { type QueueName, type RunningWorkers, startWorkers } from '../../workers/start-workers.ts';
import type { AppHooks, TestApp } from '../support/test-app.ts';

/** A real SMTP server in this process that keeps every message it accepted, parsed. */
export interface TestSmtp {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** While set, the next message is read but not answered (the sender hangs in DATA). */
  stallNext: boolean;
  /** Resolves when a stalled message has been read in full. */
  stalled: Promise<void>;
  /** While set, every message is refused at MAIL FROM with 451 (try again later): mail is "down". */
  refuse: boolean;
  /**
   * While above 0, the next message is read in full but accepted only this many ms later
   * (a slow relay); it is kept, in `messages`, when it is accepted.
   */
  holdNextMs: number;
  /** How many held messages have been read in full so far. */
  held: number;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  let onStalled: () => void = () => {};
  const smtp: TestSmtp = {
    url: '',
    port: 0,
    messages: [],
    stallNext: false,
    refuse: false,
    holdNextMs: 0,
    held: 0,
    stalled: new Promise<void>((r) => {
      onStalled = r;
    }),
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (!smtp.refuse) return callback();
      callback(Object.assign(new Error('Mail service unavailable, try again later'), { responseCode: 451 }));
    },
    onData(stream, _session, callback) {
      const stall = smtp.stallNext;
      smtp.stallNext = false;
      const hold = smtp.holdNextMs;
      smtp.holdNextMs = 0;
      simpleParser(stream)
        .then((mail) => {
          if (stall) {
            // Never answer: the message is not accepted, as when a sender dies mid-DATA.
            onStalled();
            return;
          }
          if (hold > 0) {
            smtp.held++;
            setTimeout(() => {
              smtp.messages.push(mail);
              callback();
            }, hold);
            return;
          }
          smtp.messages.push(mail);
          callback();
        })
        .catch((err) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  smtp.port = port;
  smtp.url = `smtp://127.0.0.1:${port}`;
  smtp.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return smtp;
}

/**
 * The hooks index.ts wires (idle time-outs), for a test app. Booking mail needs no
 * hook: it goes through the outbox, relayed by the workers (startTestWorkers).
 */
export function workerHooks(ctx: { config: Config; redis: TestApp['redis'] }): AppHooks {
  const idle = createSessionIdleQueue(ctx.redis, ctx.config.REDIS_PREFIX);
  return {
    onSessionTouched: idleTimeoutScheduler(idle, ctx.config.SESSION_IDLE_MINUTES * 60_000, () => {}),
    async close() {
      await idle.obliterate({ force: true }).catch(() => {});
      await idle.close();
    },
  };
}

/** The real workers, in this process, against the test app's database and Redis prefix. */
export async function startTestWorkers(
  app: TestApp,
  opts: { smtpUrl?: string; only?: QueueName[]; env?: Partial<Config> } = {},
): Promise<RunningWorkers> {
  const config: Config = {
    ...app.config,
    SMTP_URL: opts.smtpUrl ?? 'smtp://127.0.0.1:9',
    ...opts.env,
  };
  return startWorkers({
    config,
    db: app.db,
    logger: pino({ level: 'silent' }),
    mailer: createMailer(config.SMTP_URL, config.MAIL_FROM),
    only: opts.only,
  });
}

/** Waits until a job has finished one way or the other, and returns it. */
export async function settled(queue: Queue, jobId: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job) {
      const state = await job.getState();
      // Read the job again: the copy above may predate its completion (no return value yet).
      if (state === 'completed' || state === 'failed')
        return { job: (await queue.getJob(jobId)) ?? job, state };
    }
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
