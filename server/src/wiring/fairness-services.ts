import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { BookingService } from '../features/booking/booking.service.ts';
import { FairStartService } from '../features/fair-start/fair-start.service.ts';
import { createFairnessJobs, type FairnessContext } from '../features/fair-start/fairness-context.ts';
import type { FairnessServices } from '../features/fair-start/fairness-service-set.ts';
import { VirtualQueue } from '../features/fair-start/virtual-queue.ts';
import { ItineraryService, type PlanRunner } from '../features/itinerary/itinerary.service.ts';
import { planOnPool } from '../features/itinerary/itinerary-on-pool.ts';
import type { Broadcaster, Publisher } from '../features/live/publisher.ts';
import { enqueueEmails } from '../features/mail/mail-queue.ts';
import { OnTheNightService } from '../features/on-the-night/on-the-night.service.ts';
import { OffersService } from '../features/waiting-list/offers.service.ts';
import { WaitingListService } from '../features/waiting-list/waiting-list.service.ts';
import type { Db } from '../infra/db.ts';
import type { CpuWork } from './cpu-work.ts';
import { createEmailQueue, createFairnessQueue } from './queues.ts';

/** Builds the services around an existing context (the server's, or a worker's). */
export function fairnessServices(
  context: FairnessContext,
  extra: {
    redis: Redis;
    redisPrefix: string;
    booking: BookingService;
    close?: () => Promise<void>;
    /** Where itineraries are planned (the server: its CPU pool); in place by default. */
    planner?: PlanRunner;
  },
): FairnessServices {
  const offers = new OffersService(context);
  const queue = new VirtualQueue(extra.redis, extra.redisPrefix, context.db, context);
  // Accepting an offer takes a slot: a family still in the queue's line may not.
  offers.familyGate = (eventId, familyId) => queue.refusal(eventId, familyId);
  return {
    context,
    fairStart: new FairStartService(context),
    queue,
    itinerary: new ItineraryService(context.db, extra.planner),
    booking: extra.booking,
    offers,
    waitingList: new WaitingListService(context, offers),
    night: new OnTheNightService(context, offers),
    close: extra.close ?? (async () => {}),
  };
}

/**
 * The server's fairness services. Jobs go to the `fairness` queue (run by the
 * workers); e-mail to the workers' e-mail queue. Queues close with the HTTP server.
 */
export function createFairness(deps: {
  config: Config;
  cpu: CpuWork;
  db: Db;
  redis: Redis;
  io: Broadcaster;
  publisher: Publisher;
  booking: BookingService;
  logError: (err: unknown, context: string) => void;
  http: HttpServer;
}): FairnessServices {
  const jobs = createFairnessJobs(createFairnessQueue(deps.redis, deps.config.REDIS_PREFIX));
  const emailQueue = createEmailQueue(deps.redis, deps.config.REDIS_PREFIX);
  const retry = { attempts: deps.config.EMAIL_ATTEMPTS, backoffMs: deps.config.EMAIL_BACKOFF_MS };
  const services = fairnessServices(
    {
      db: deps.db,
      publisher: deps.publisher,
      live: deps.io,
      jobs,
      mail: (mails) => enqueueEmails(emailQueue, mails, retry),
      logError: deps.logError,
    },
    {
      redis: deps.redis,
      redisPrefix: deps.config.REDIS_PREFIX,
      planner: planOnPool(deps.cpu, deps.config.PLANNER_DEADLINE_MS),
      booking: deps.booking,
      close: async () => {
        await Promise.all([jobs.close(), emailQueue.close()].map((p) => p.catch(() => {})));
      },
    },
  );
  deps.http.once('close', () => void services.close());
  return services;
}
