import { z } from 'zod';

/**
 * What GET /api/v1/status and the /status page tell anyone, signed in or not: the
 * state of each part of the service and nothing about schools, families or staff
 * (no names, no addresses, no counts of people).
 */
export const ComponentState = z.enum(['up', 'down', 'unknown']);
export type ComponentState = z.infer<typeof ComponentState>;

export const ServiceStatus = z.object({
  checkedAt: z.iso.datetime(),
  /** `up` only when every component is up. */
  overall: z.enum(['up', 'degraded']),
  components: z.object({
    database: z.object({ state: ComponentState }),
    redis: z.object({ state: ComponentState }),
    /**
     * From the heartbeat the workers write to Redis: `up` while the newest beat is
     * recent, `down` when it is old or none is there, `unknown` while Redis is down.
     */
    workers: z.object({
      state: ComponentState,
      lastSeenSeconds: z.number().int().nonnegative().nullable(),
    }),
    /**
     * The outcome of the last message the workers handed to the SMTP relay (no
     * address, no subject): `up` it was accepted, `down` it was refused or failed,
     * `unknown` none sent lately or Redis is down.
     */
    mail: z.object({
      state: ComponentState,
      lastAttemptSeconds: z.number().int().nonnegative().nullable(),
    }),
  }),
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;

/** A part of the service that can be down, as incidents name it. */
export const Component = z.enum(['database', 'redis', 'workers', 'mail']);
export type Component = z.infer<typeof Component>;

/**
 * A time a part of the service was down, recorded by the servers' status watch: the
 * component and when, nothing else. `endedAt` null: still down.
 */
export const Incident = z.object({
  component: Component,
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }).nullable(),
  /** Whole seconds from start to end (to now while still open). */
  durationSeconds: z.number().int().nonnegative(),
});
export type Incident = z.infer<typeof Incident>;

/**
 * What the operator tells everyone (`schoolId` null) or one school's people. Public on
 * /status (the school's name is how a parent finds theirs) and a banner on the school's
 * pages while it is current.
 */
export const ServiceMessage = z.object({
  id: z.uuid(),
  schoolId: z.uuid().nullable(),
  schoolName: z.string().nullable(),
  body: z.string(),
  postedAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Set once the operator ended it; only the operator's list shows ended ones. */
  endedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type ServiceMessage = z.infer<typeof ServiceMessage>;

/** GET /api/v1/status with its history: the report above, the last incidents and current messages. */
export const ServiceStatusReport = ServiceStatus.extend({
  /** Newest first, at most STATUS_INCIDENTS; open ones first of all. */
  incidents: z.array(Incident),
  messages: z.array(ServiceMessage),
});
export type ServiceStatusReport = z.infer<typeof ServiceStatusReport>;
export const STATUS_INCIDENTS = 10;

/** The current messages, for a school's pages (GET /api/v1/service-messages and the socket event). */
export const ServiceMessages = z.object({ messages: z.array(ServiceMessage) });
export type ServiceMessages = z.infer<typeof ServiceMessages>;

export const PostServiceMessage = z.strictObject({
  body: z.string().trim().min(1).max(500),
  /** One school's pages only; omitted or null: every school. */
  schoolId: z.uuid().nullable().optional(),
});
export type PostServiceMessage = z.infer<typeof PostServiceMessage>;

export const EditServiceMessage = z.strictObject({
  body: z.string().trim().min(1).max(500),
});
export type EditServiceMessage = z.infer<typeof EditServiceMessage>;

/** Socket event to every connected screen: the current messages changed (the full list). */
export const SERVICE_MESSAGES_EVENT = 'service:messages';
