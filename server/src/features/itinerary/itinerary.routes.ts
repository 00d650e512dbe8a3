import { z } from 'zod';
import { ItineraryHoldRequest, ItineraryProposal, ItineraryWish } from '../../../../protocol/fairness.ts';
import { BookingList } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FairnessServices } from '../fair-start/fairness-service-set.ts';

const eventParams = z.object({ eventId: z.uuid() });

export function itineraryRoutes(f: FairnessServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/events/:eventId/itinerary/propose',
      operationId: 'proposeItinerary',
      recorded: { not: 'computes a plan; holds nothing' },
      summary:
        'Propose the itinerary with the least waiting for the teachers wanted per child (no clash, the gap kept, siblings together); full teachers are listed with the waiting list offered.',
      tags: ['itinerary'],
      access: 'family',
      params: eventParams,
      body: ItineraryWish,
      response: ItineraryProposal,
      errors: ['not_found', 'invalid_input', 'unavailable'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.itinerary.propose(principal, params.eventId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/events/:eventId/itinerary/hold',
      operationId: 'holdItinerary',
      recorded: 'booking_log',
      summary:
        'Hold every meeting of a proposal at once, all or none; confirm with POST /holds/confirm and the returned hold ids.',
      tags: ['itinerary'],
      access: 'family',
      idempotent: true,
      params: eventParams,
      body: ItineraryHoldRequest,
      response: BookingList,
      errors: [
        'slot_taken',
        'clash',
        'gap',
        'window_closed',
        'fair_start_pending',
        'not_your_teacher',
        'cap_reached',
        'interpreter_unavailable',
        'not_found',
      ],
      handler: async ({ principal, body, idempotencyKey }) =>
        f.booking.holdAll(principal, body.meetings, { key: idempotencyKey }),
    }),
  ];
}
