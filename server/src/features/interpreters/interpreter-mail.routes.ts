import { z } from 'zod';
import {
  InterpreterScheduleMailQueued,
  InterpreterScheduleMailsQueued,
} from '../../../../protocol/interpreters.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { InterpreterMailing } from './interpreter-mailing.ts';

const tags = ['interpreters'] as const;

/** An admin mails interpreters their schedule with a one-time sign-in link (docs/admin-api.md). */
export function interpreterMailRoutes(mailing: InterpreterMailing): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/admin/events/:eventId/interpreters/:interpreterId/schedule-mail',
      operationId: 'mailInterpreterSchedule',
      summary:
        'Mail an interpreter their meetings at the event (with a calendar file) and a new one-time sign-in link to their live timeline; an older unused link stops working.',
      tags,
      access: 'admin',
      params: z.object({ eventId: z.uuid(), interpreterId: z.uuid() }),
      response: InterpreterScheduleMailQueued,
      errors: ['not_found', 'invalid_input', 'window_closed'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await mailing.mailOne(principal, params.eventId, params.interpreterId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/events/:eventId/interpreters/schedule-mail',
      operationId: 'mailInterpreterSchedules',
      summary:
        'Mail every interpreter of the school who has an e-mail their schedule for the event, each with a new one-time sign-in link; those without one are named.',
      tags,
      access: 'admin',
      params: z.object({ eventId: z.uuid() }),
      response: InterpreterScheduleMailsQueued,
      errors: ['not_found', 'window_closed'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await mailing.mailAll(principal, params.eventId),
      }),
    }),
  ];
}
