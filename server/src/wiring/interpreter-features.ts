import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { SessionStore } from '../features/auth/session-store.ts';
import { familyInterpreterRoutes } from '../features/interpreters/family-interpreter.routes.ts';
import { FamilyInterpreterService } from '../features/interpreters/family-interpreter.service.ts';
import { interpreterMailRoutes } from '../features/interpreters/interpreter-mail.routes.ts';
import { InterpreterMailing } from '../features/interpreters/interpreter-mailing.ts';
import { interpreterSelfRoutes } from '../features/interpreters/interpreter-self.routes.ts';
import { InterpreterSignIn } from '../features/interpreters/interpreter-sign-in.ts';
import { interpretersRoutes } from '../features/interpreters/interpreters.routes.ts';
import { InterpretersService } from '../features/interpreters/interpreters.service.ts';
import type { Publisher } from '../features/live/publisher.ts';
import { queueOutbox } from '../features/staff/email-outbox.ts';
import type { AnyRoute } from '../http/route.ts';
import type { Db } from '../infra/db.ts';
import { serverKeys } from '../infra/server-keys.ts';
import { createEmailQueue } from './queues.ts';

export interface InterpreterFeaturesDeps {
  config: Config;
  db: Db;
  redis: Redis;
  sessions: SessionStore;
  publisher: Publisher;
}

/**
 * The interpreters' parts (issue 18): the admin API, a family's own need, their schedule
 * mail, and the interpreter's own sign-in and schedule (docs/security.md, "Interpreters").
 */
export function createInterpreterFeatures(deps: InterpreterFeaturesDeps): {
  routes: AnyRoute[];
  close(): Promise<void>;
} {
  const { config, db, redis, sessions, publisher } = deps;
  const outbox = queueOutbox(() => createEmailQueue(redis, config.REDIS_PREFIX), {
    attempts: config.EMAIL_ATTEMPTS,
    backoffMs: config.EMAIL_BACKOFF_MS,
  });
  const admin = new InterpretersService(db, async (interpreterId) => {
    for (const id of await sessions.revokeAllOf({ interpreterId }, 'interpreter_removed'))
      publisher.sessionEnded(id, 'revoked', 'The school removed you from its interpreters.');
  });
  const mailing = new InterpreterMailing({
    db,
    sealKey: serverKeys(config.SERVER_SECRET).mailSeal,
    send: (jobs) => outbox.send(jobs),
  });
  return {
    routes: [
      ...interpretersRoutes(admin),
      ...familyInterpreterRoutes(new FamilyInterpreterService(db)),
      ...interpreterMailRoutes(mailing),
      ...interpreterSelfRoutes(new InterpreterSignIn(db, sessions), publisher),
    ],
    close: () => outbox.close(),
  };
}
