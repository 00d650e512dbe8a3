import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../server/src/config.ts';
import { enqueueEmails } from '../server/src/features/mail/mail-queue.ts';
import { createDb } from '../server/src/infra/db.ts';
import { createRedis } from '../server/src/infra/redis.ts';
import { createEmailQueue } from '../server/src/wiring/queues.ts';

// `npm run mail:system-update -- --subject "…" --body-file notes.txt [--school CODE] [--id ID]`:
// the operator's message to school admins. It only enqueues; the workers fan it out,
// skip admins who opted out, and add the one-click opt-out link to every copy.
// The same --id twice sends nothing new (deterministic job ids and the sent-log).
const { values } = parseArgs({
  options: {
    subject: { type: 'string' },
    'body-file': { type: 'string' },
    school: { type: 'string' },
    id: { type: 'string' },
  },
});
if (!values.subject || !values['body-file']) {
  console.error(
    'usage: npm run mail:system-update -- --subject "…" --body-file FILE [--school CODE] [--id ID]',
  );
  process.exit(2);
}
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
const db = createDb(config.DATABASE_URL, 1);
const redis = createRedis(config.REDIS_URL);
const queue = createEmailQueue(redis, config.REDIS_PREFIX);
try {
  let schoolId: string | undefined;
  if (values.school) {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM schools WHERE code = $1', [
      values.school,
    ]);
    if (!rows[0]) throw new Error(`no school with code ${values.school}`);
    schoolId = rows[0].id;
  }
  const updateId =
    values.id ?? `update-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
  await enqueueEmails(
    queue,
    [
      {
        kind: 'system-update-broadcast',
        updateId,
        subject: values.subject,
        body: readFileSync(values['body-file'], 'utf8').trim(),
        schoolId,
      },
    ],
    { attempts: config.EMAIL_ATTEMPTS, backoffMs: config.EMAIL_BACKOFF_MS },
  );
  console.log(`queued system update ${updateId}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await queue.close();
  await db.end();
  redis.disconnect();
}
