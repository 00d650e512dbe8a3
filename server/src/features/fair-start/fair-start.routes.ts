import { z } from 'zod';
import {
  DrawRecord,
  FairnessSettingsRequest,
  FairStartRequest,
  FairStartStatus,
  QueueTicket,
} from '../../../../protocol/fairness.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FairnessServices } from '../fair-start/fairness-service-set.ts';

const eventParams = z.object({ eventId: z.uuid() });

export function fairStartRoutes(f: FairnessServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/events/:eventId/fairness',
      operationId: 'setFairness',
      summary:
        'Admins choose how the event opens (first come first served, or fair start with its window), the virtual queue limit and how long offers stand.',
      tags: ['fairness'],
      access: 'admin',
      params: eventParams,
      body: FairnessSettingsRequest,
      response: FairStartStatus,
      errors: ['window_closed', 'not_found', 'invalid_input'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.fairStart.configure(principal, params.eventId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/fair-start',
      operationId: 'getFairStart',
      summary:
        "How the event opens, when allocation runs (school time), the seed's digest (the seed after the draw) and, for a family, its requests and their outcomes.",
      tags: ['fairness'],
      access: 'any',
      params: eventParams,
      response: FairStartStatus,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.fairStart.status(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/events/:eventId/fair-start/requests',
      operationId: 'submitFairStartRequests',
      summary:
        'A family sends (or replaces) its choices in order of preference during the fair-start window.',
      tags: ['fairness'],
      access: 'family',
      params: eventParams,
      body: FairStartRequest,
      response: FairStartStatus,
      errors: ['window_closed', 'fair_start_pending', 'not_your_teacher', 'invalid_input', 'not_found'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.fairStart.submit(principal, params.eventId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/fair-start/draw',
      operationId: 'getFairStartDraw',
      summary: 'The recorded draw: seed, lottery order, every allocation step, recomputed to verify it.',
      tags: ['fairness'],
      access: 'staff',
      params: eventParams,
      response: DrawRecord,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.fairStart.draw(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/events/:eventId/queue',
      operationId: 'joinQueue',
      summary:
        'Virtual queue: join the line (or renew an admitted place; call every minute). Answers admitted, or the place in line and an estimated wait.',
      tags: ['fairness'],
      access: 'family',
      params: eventParams,
      response: QueueTicket,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.queue.join(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/events/:eventId/queue',
      operationId: 'leaveQueue',
      summary: 'Virtual queue: give the place up so the next family is let in.',
      tags: ['fairness'],
      access: 'family',
      params: eventParams,
      response: QueueTicket,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.queue.leave(principal, params.eventId),
      }),
    }),
  ];
}
