import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { accessCodesRoutes } from '../features/access-codes/access-codes.routes.ts';
import { AccessCodesService } from '../features/access-codes/access-codes.service.ts';
import type { SessionStore } from '../features/auth/session-store.ts';
import type { BookingService } from '../features/booking/booking.service.ts';
import { feedbackRoutes } from '../features/feedback/feedback.routes.ts';
import { FeedbackService } from '../features/feedback/feedback.service.ts';
import { FeedbackStatusLookup } from '../features/feedback/feedback-status.ts';
import { importRoutes } from '../features/import/import.routes.ts';
import { ImportService } from '../features/import/import.service.ts';
import { checkOnPool } from '../features/import/import-on-pool.ts';
import type { Publisher } from '../features/live/publisher.ts';
import { operatorRoutes } from '../features/operator/operator.routes.ts';
import { OperatorAuth } from '../features/operator/operator-auth.ts';
import { SchoolsService } from '../features/operator/schools.service.ts';
import { SystemUpdatesService } from '../features/operator/system-updates.service.ts';
import { FamilyErasure } from '../features/records/family-erasure.ts';
import { recordsRoutes } from '../features/records/records.routes.ts';
import { RecordsService } from '../features/records/records.service.ts';
import { transactionsRoutes } from '../features/records/transactions.routes.ts';
import { TransactionsService } from '../features/records/transactions.service.ts';
import { schoolSettingsRoutes } from '../features/retention/school-settings.routes.ts';
import { SchoolSettingsService } from '../features/retention/school-settings.service.ts';
import { queueOutbox } from '../features/staff/email-outbox.ts';
import { staffRoutes } from '../features/staff/staff.routes.ts';
import { StaffAccountsService } from '../features/staff/staff-accounts.service.ts';
import { attachConnectionPeaks } from '../features/stats/connection-peaks.ts';
import { EventStatsService } from '../features/stats/event-stats.service.ts';
import { statsRoutes } from '../features/stats/stats.routes.ts';
import { TrafficService } from '../features/stats/traffic.service.ts';
import type { AnyRoute } from '../http/route.ts';
import { translatorForLanguage } from '../i18n/family-translator.ts';
import type { Db } from '../infra/db.ts';
import { AttemptBackoff, LocalRateLimit, RateLimit } from '../infra/rate-limit.ts';
import { serverKeys } from '../infra/server-keys.ts';
import { feedbackPages } from '../pages/feedback-page.ts';
import { optOutPages } from '../pages/opt-out-page.ts';
import { passwordPages } from '../pages/password-page.ts';
import { privacyPages } from '../pages/privacy-page.ts';
import type { ConferServer } from '../socket/socket-gateway.ts';
import type { CpuWork } from './cpu-work.ts';
import { createEmailQueue } from './queues.ts';

/** Status lookups (right or wrong) per address and hour: a sender with typos needs a few. */
const FEEDBACK_STATUS_LOOKUPS_PER_HOUR = 30;

export interface SchoolFeaturesDeps {
  config: Config;
  /** CSV files are checked on its threads. */
  cpu: CpuWork;
  db: Db;
  redis: Redis;
  io: ConferServer;
  sessions: SessionStore;
  booking: BookingService;
  publisher: Publisher;
  logError: (err: unknown, context: string) => void;
  /** Base URL of links in mails and letters; the request's own origin is not trusted for that. */
  publicUrl: string;
}

export interface SchoolFeatures {
  routes: AnyRoute[];
  /** Server-rendered pages outside /api/v1: privacy, feedback form, set-password form. */
  pages: Router;
  /** Checks the operator's token, for operator routes built elsewhere (the pause). */
  operatorAuth: OperatorAuth;
  close(): Promise<void>;
}

/**
 * Builds the multi-school features (operators and schools, staff accounts,
 * imports, access codes, records, statistics, feedback) from the app's shared parts,
 * so app.ts needs one line per hook-up.
 */
export function createSchoolFeatures(deps: SchoolFeaturesDeps): SchoolFeatures {
  const { config, db, redis, sessions, publisher } = deps;
  const prefix = config.REDIS_PREFIX;
  const hour = 3600;
  const keys = serverKeys(config.SERVER_SECRET);
  const outbox = queueOutbox(() => createEmailQueue(redis, prefix), {
    attempts: config.EMAIL_ATTEMPTS,
    backoffMs: config.EMAIL_BACKOFF_MS,
  });
  const sessionsEnded = (ids: string[]) => {
    for (const id of ids) publisher.sessionEnded(id, 'revoked', 'Your session has been ended by the school.');
  };
  const staff = new StaffAccountsService({
    db,
    sessions,
    outbox,
    sealKey: keys.mailSeal,
    passwordMinLength: config.PASSWORD_MIN_LENGTH,
    inviteTtlMs: config.INVITE_LINK_HOURS * hour * 1000,
    resetTtlMs: config.RESET_LINK_MINUTES * 60_000,
    sessionsEnded,
  });
  const operatorAuth = new OperatorAuth(
    db,
    config.SESSION_IDLE_MINUTES * 60_000,
    new RateLimit(
      redis,
      `${prefix}rl:operator`,
      config.LOGIN_ATTEMPTS_PER_ACCOUNT,
      config.LOGIN_WINDOW_SECONDS,
    ),
  );
  const schools = new SchoolsService(db, staff, sessions, (ids) => {
    for (const id of ids)
      publisher.sessionEnded(
        id,
        'revoked',
        'The school’s Confer service has been suspended by the operator.',
      );
  });
  const traffic = new TrafficService(db);
  const feedback = new FeedbackService({
    db,
    limit: new RateLimit(redis, `${prefix}rl:feedback`, config.FEEDBACK_PER_HOUR, hour),
    limitPerRecipient: new RateLimit(
      redis,
      `${prefix}rl:feedback-ack`,
      config.FEEDBACK_ACKS_PER_RECIPIENT_PER_DAY,
      24 * hour,
    ),
    acknowledge: async (feedbackId, reference) => {
      await outbox.send([{ kind: 'feedback-received', feedbackId, reference }]);
      return true;
    },
    mailReply: (feedbackId, replyId) => outbox.send([{ kind: 'feedback-reply', feedbackId, replyId }]),
    sealKey: keys.mailSeal,
    logError: deps.logError,
  });
  // A secret has about 79 bits: these bound the load of guessing, not its odds.
  const feedbackStatus = new FeedbackStatusLookup({
    db,
    perAddress: new RateLimit(redis, `${prefix}rl:feedback-status`, FEEDBACK_STATUS_LOOKUPS_PER_HOUR, hour),
    perReference: new AttemptBackoff(redis, `${prefix}rl:feedback-status:backoff`, {
      freeAttempts: 5,
      maxDelaySeconds: 60,
      forgetAfterSeconds: hour,
    }),
  });
  const records = new RecordsService(db);
  const codes = new AccessCodesService(db, sessions, sessionsEnded, keys);
  attachConnectionPeaks(deps.io, redis, prefix, db, deps.logError);

  const routes = [
    ...operatorRoutes(
      operatorAuth,
      schools,
      traffic,
      feedback,
      new SystemUpdatesService(db, outbox, deps.publicUrl),
    ),
    ...staffRoutes(staff, new RateLimit(redis, `${prefix}rl:reset`, 5, hour)),
    ...importRoutes(
      new ImportService(
        db,
        (ids) => staff.rolesChanged(ids),
        checkOnPool(deps.cpu, config.IMPORT_TIME_LIMIT_MS),
      ),
      new RateLimit(redis, `${prefix}rl:import`, config.IMPORTS_PER_HOUR, hour),
      config.IMPORT_MAX_BYTES,
    ),
    ...accessCodesRoutes({
      codes,
      loginUrl: deps.publicUrl,
      translator: (schoolId, language) => translatorForLanguage(db, schoolId, language),
      mailCodes: async (issued) => {
        await outbox.send(
          issued.flatMap((i) =>
            i.mailId ? [{ kind: 'access-code' as const, familyId: i.familyId, mailId: i.mailId }] : [],
          ),
        );
      },
    }),
    ...recordsRoutes(records, new FamilyErasure(db, records, deps.booking, sessions, sessionsEnded)),
    ...schoolSettingsRoutes(new SchoolSettingsService(db)),
    ...transactionsRoutes(new TransactionsService(db)),
    ...statsRoutes(
      traffic,
      new EventStatsService(db),
      sessions,
      new LocalRateLimit(config.PAGE_VIEWS_PER_MINUTE, 60),
    ),
    ...feedbackRoutes(feedback, feedbackStatus),
  ];
  const pages = express.Router();
  pages.use(
    privacyPages(config, db),
    feedbackPages(feedback, feedbackStatus),
    optOutPages(db),
    passwordPages(staff, config.PASSWORD_MIN_LENGTH),
  );
  return { routes, pages, operatorAuth, close: () => outbox.close() };
}
