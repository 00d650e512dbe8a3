import { z } from 'zod';
import { AvailabilitySnapshot, EventView } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { EventsService } from './events.service.ts';

const EventParams = z.object({ eventId: z.uuid() });

export function eventsRoutes(events: EventsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/events',
      operationId: 'listEvents',
      summary: "The school's events (families see those not archived).",
      tags: ['events'],
      access: 'any',
      response: z.object({ events: z.array(EventView) }),
      handler: async ({ principal }) => ({ ok: true, data: { events: await events.list(principal) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId',
      operationId: 'getEvent',
      summary: 'One event and its rules.',
      tags: ['events'],
      access: 'any',
      params: EventParams,
      response: EventView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await events.get(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/availability',
      operationId: 'getAvailability',
      summary: "A snapshot of the event's slots and their states, with the event version it reflects.",
      tags: ['events'],
      access: 'any',
      params: EventParams,
      response: AvailabilitySnapshot,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await events.snapshot(principal, params.eventId),
      }),
    }),
  ];
}
