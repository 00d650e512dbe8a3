import { z } from 'zod';
import { EventStats, PageViewBeacon, TrafficReport } from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { LocalRateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { SessionStore } from '../auth/session-store.ts';
import type { EventStatsService } from './event-stats.service.ts';
import type { TrafficService } from './traffic.service.ts';

export function statsRoutes(
  traffic: TrafficService,
  eventStats: EventStatsService,
  sessions: SessionStore,
  /** Page views per address (in memory: the address is never stored). */
  beaconLimit: LocalRateLimit,
): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/stats/page-view',
      operationId: 'countPageView',
      recorded: { not: 'an anonymous count of a page view, kept as a number per page and day' },
      summary:
        'Counts one page view of a known page (anonymous: only the page name, the day and the school are kept; no cookie, address or user). Limited per address.',
      tags: ['stats'],
      access: 'public',
      body: PageViewBeacon,
      response: z.object({ counted: z.literal(true) }),
      errors: ['rate_limited'],
      handler: async ({ body, token, req }) => {
        // A script replaying beacons would only inflate the counts; the client ignores the refusal.
        const outcome = await beaconLimit.consume(req.ip ?? 'unknown');
        if (!outcome.allowed)
          throw new DomainError('rate_limited', 'Too many page views from this address.', {
            retryAfter: outcome.retryAfterSeconds,
          });
        // A signed-in page counts towards its school; the token is used for that
        // lookup only and nothing of it is stored.
        const principal = token ? await sessions.authenticate(token) : null;
        await traffic.record(principal?.schoolId ?? null, body.page, body.first);
        return { ok: true, data: { counted: true as const } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/stats/traffic',
      operationId: 'getSchoolTraffic',
      summary: "The school's page views per day and per page over the last 60 days (aggregates only).",
      tags: ['stats'],
      access: 'admin',
      response: TrafficReport,
      handler: async ({ principal }) => ({ ok: true, data: await traffic.report(principal.schoolId) }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/stats',
      operationId: 'getEventStats',
      summary:
        'Share of families booked, bookings per teacher, confirmations per minute after opening, peak connections.',
      tags: ['stats'],
      access: 'admin',
      params: z.object({ eventId: z.uuid() }),
      response: EventStats,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await eventStats.forEvent(principal, params.eventId),
      }),
    }),
  ];
}
