import { z } from 'zod';
import {
  AcceptOfferResponse,
  JoinWaitlistRequest,
  MustSeeRequest,
  OfferList,
  OfferView,
  ReorderWaitlistRequest,
  WaitlistEntryView,
  WaitlistView,
} from '../../../../protocol/fairness.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FairnessServices } from '../fair-start/fairness-service-set.ts';

const eventParams = z.object({ eventId: z.uuid() });

export function waitingListRoutes(f: FairnessServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/events/:eventId/waitlist',
      operationId: 'joinWaitlist',
      summary: "Join a teacher's waiting list for a child (optionally with the times the family can come).",
      tags: ['waiting-list'],
      access: 'family',
      params: eventParams,
      body: JoinWaitlistRequest,
      response: WaitlistEntryView,
      errors: ['not_found', 'not_your_teacher', 'clash', 'window_closed'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.waitingList.join(principal, params.eventId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/waitlist',
      operationId: 'listWaitlist',
      summary: "Waiting lists: a family's own entries; a teacher's own list; every list for admins.",
      tags: ['waiting-list'],
      access: 'any',
      params: eventParams,
      response: WaitlistView,
      handler: async ({ principal, params }) => ({
        ok: true,
        data: { entries: await f.waitingList.entries(principal, { eventId: params.eventId }) },
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/waitlist/:entryId',
      operationId: 'leaveWaitlist',
      summary: 'Leave a waiting list.',
      tags: ['waiting-list'],
      access: 'family',
      params: z.object({ entryId: z.uuid() }),
      response: WaitlistEntryView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.waitingList.leave(principal, params.entryId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/events/:eventId/waitlist/:teacherId/order',
      operationId: 'reorderWaitlist',
      summary: "Admins reorder a teacher's waiting list.",
      tags: ['waiting-list'],
      access: 'admin',
      params: z.object({ eventId: z.uuid(), teacherId: z.uuid() }),
      body: ReorderWaitlistRequest,
      response: WaitlistView,
      errors: ['invalid_input'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: {
          entries: await f.waitingList.reorder(principal, params.eventId, params.teacherId, body.entryIds),
        },
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/waitlist/:entryId/must-see',
      operationId: 'setMustSee',
      summary: 'A teacher (own list) or an admin marks a family "must see": its request goes first.',
      tags: ['waiting-list'],
      access: 'staff',
      params: z.object({ entryId: z.uuid() }),
      body: MustSeeRequest,
      response: WaitlistEntryView,
      errors: ['not_found'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.waitingList.setMustSee(principal, params.entryId, body.mustSee),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/offers/mine',
      operationId: 'listMyOffers',
      summary: "The family's offers (waiting list and cover), newest first.",
      tags: ['waiting-list'],
      access: 'family',
      params: eventParams,
      response: OfferList,
      handler: async ({ principal, params }) => ({
        ok: true,
        data: { offers: await f.offers.mine(principal, params.eventId) },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/offers/:offerId/accept',
      operationId: 'acceptOffer',
      recorded: 'booking_log',
      summary: 'Accept an offer: the slot is booked (the booking constraints decide a race).',
      tags: ['waiting-list'],
      access: 'any',
      params: z.object({ offerId: z.uuid() }),
      response: AcceptOfferResponse,
      errors: ['hold_expired', 'slot_taken', 'clash', 'gap', 'interpreter_unavailable', 'not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.offers.accept(principal, params.offerId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/offers/:offerId/decline',
      operationId: 'declineOffer',
      summary: 'Decline an offer; a waiting-list slot passes to the next family in line.',
      tags: ['waiting-list'],
      access: 'any',
      params: z.object({ offerId: z.uuid() }),
      response: OfferView,
      errors: ['hold_expired', 'not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.offers.decline(principal, params.offerId),
      }),
    }),
  ];
}
