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
