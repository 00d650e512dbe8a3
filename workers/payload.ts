import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';

/**
 * Validates a job's payload. A malformed one can never succeed, so it fails at
 * once as unrecoverable (BullMQ does not retry it) and is logged for whoever
 * enqueued it — instead of burning its attempts and hiding among real failures.
 */
export function parsePayload<S extends z.ZodType>(schema: S, job: Job, logger: Logger): z.infer<S> {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 10)
    .map((i) => ({ path: i.path.join('.'), message: i.message }));
  logger.error({ queue: job.queueName, jobId: job.id, name: job.name, issues }, 'malformed job payload');
  throw new UnrecoverableError(
    `malformed payload: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`,
  );
}
