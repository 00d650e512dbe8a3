import { z } from 'zod';
import {
  EventPauseView,
  OperatorPauseOverview,
  PauseRequest,
  ServicePauseView,
} from '../../../../protocol/pause.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { OperatorAuth } from '../operator/operator-auth.ts';
import type { PauseService } from './pause.service.ts';

/**
 * Pause and resume: an admin for one event of their school, the operator for
 * every event. Each change is recorded by the edge in the record of transactions, with
 * the pause before and after.
 */
export function pauseRoutes(pauses: PauseService, operator: Pick<OperatorAuth, 'require'>): AnyRoute[] {
  const EventParams = z.object({ eventId: z.uuid() });
  const guard = async (token: string | null) => {
    await operator.require(token ?? '');
  };
  return [
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/pause',
      operationId: 'getEventPause',
      summary: "The event's own pause and what its families see now (the operator's pause wins).",
      tags: ['admin'],
      access: 'admin',
      params: EventParams,
      response: EventPauseView,
      errors: ['forbidden', 'not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await pauses.eventPause(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/events/:eventId/pause',
      operationId: 'pauseEventBooking',
      summary:
        "Pauses booking for one event with a message: families' holds, confirmations, moves and offer acceptances answer 503 `unavailable` with it until resumed; staff still book; every screen of the event is told.",
      tags: ['admin'],
      access: 'admin',
      params: EventParams,
      body: PauseRequest,
      response: EventPauseView,
      errors: ['forbidden', 'not_found', 'invalid_input', 'window_closed'],
      handler: async ({ principal, params, body, record }) => {
        record.before = (await pauses.eventPause(principal, params.eventId)).own;
        const view = await pauses.pauseEvent(principal, params.eventId, body);
        record.after = view.own;
        return { ok: true, data: view };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/events/:eventId/pause',
      operationId: 'resumeEventBooking',
      summary:
        "Resumes booking for the event (an operator's pause, if any, still holds); every screen is told.",
      tags: ['admin'],
      access: 'admin',
      params: EventParams,
      response: EventPauseView,
      errors: ['forbidden', 'not_found'],
      handler: async ({ principal, params, record }) => {
        record.before = (await pauses.eventPause(principal, params.eventId)).own;
        const view = await pauses.resumeEvent(principal, params.eventId);
        record.after = view.own;
        return { ok: true, data: view };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/operator/pause',
      operationId: 'pauseServiceBooking',
      summary:
        "Pauses booking for every event of every school with a message (operator token); families' booking writes answer 503 `unavailable` until resumed.",
      tags: ['operator'],
      access: 'operator',
      guard,
      body: PauseRequest,
      response: ServicePauseView,
      errors: ['unauthenticated', 'forbidden', 'invalid_input'],
      handler: async ({ body }) => ({ ok: true, data: await pauses.pauseService(body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/operator/pause',
      operationId: 'resumeServiceBooking',
      summary:
        "Ends the operator's pause (operator token; `not_found` when there is none); events an admin paused stay paused.",
      tags: ['operator'],
      access: 'operator',
      guard,
      response: ServicePauseView,
      errors: ['unauthenticated', 'forbidden', 'not_found'],
      handler: async () => ({ ok: true, data: await pauses.resumeService() }),
    }),
    defineRoute({
      method: 'get',
      path: '/operator/pause',
      operationId: 'getOperatorPause',
      summary:
        "The operator's pause of every school, and every event not archived with its school, booking window and own pause (operator token).",
      tags: ['operator'],
      access: 'operator',
      guard,
      response: OperatorPauseOverview,
      errors: ['unauthenticated', 'forbidden'],
      handler: async () => ({ ok: true, data: await pauses.operatorOverview() }),
    }),
    defineRoute({
      method: 'put',
      path: '/operator/events/:eventId/pause',
      operationId: 'operatorPauseEventBooking',
      summary:
        "Pauses booking for one event of any school with a message (operator token): the event's own pause, which its admins see and may resume; archived or unknown is 404.",
      tags: ['operator'],
      access: 'operator',
      guard,
      recorded: 'audit',
      params: EventParams,
      body: PauseRequest,
      response: EventPauseView,
      errors: ['unauthenticated', 'forbidden', 'invalid_input', 'not_found'],
      handler: async ({ params, body, record }) => {
        record.before = await pauses.ownPauseOf(params.eventId);
        const view = await pauses.operatorPauseEvent(params.eventId, body);
        record.after = view.own;
        return { ok: true, data: view };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/operator/events/:eventId/pause',
      operationId: 'operatorResumeEventBooking',
      summary:
        "Resumes booking for one event of any school (operator token; not paused is 404); the operator's pause of every school, if any, still holds.",
      tags: ['operator'],
      access: 'operator',
      guard,
      recorded: 'audit',
      params: EventParams,
      response: EventPauseView,
      errors: ['unauthenticated', 'forbidden', 'not_found'],
      handler: async ({ params, record }) => {
        record.before = await pauses.ownPauseOf(params.eventId);
        const view = await pauses.operatorResumeEvent(params.eventId);
        record.after = view.own;
        return { ok: true, data: view };
      },
    }),
  ];
}
