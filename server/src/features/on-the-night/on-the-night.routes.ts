import { z } from 'zod';
import {
  AbsenceRequest,
  AbsenceView,
  ExpectedTimes,
  RunningLateRequest,
  RunningLateView,
} from '../../../../protocol/fairness.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FairnessServices } from '../fair-start/fairness-service-set.ts';

const teacherParams = z.object({ eventId: z.uuid(), teacherId: z.uuid() });

export function onTheNightRoutes(f: FairnessServices): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/events/:eventId/teachers/:teacherId/running-late',
      operationId: 'setRunningLate',
      summary:
        'A teacher (themself) or an admin marks "running N minutes late" (0 = on time again); affected families see new expected times live.',
      tags: ['on-the-night'],
      access: 'staff',
      params: teacherParams,
      body: RunningLateRequest,
      response: RunningLateView,
      errors: ['forbidden', 'not_found', 'invalid_input'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.night.runningLate(principal, params.eventId, params.teacherId, body),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/itinerary/expected',
      operationId: 'getExpectedTimes',
      summary:
        "The family's appointments with the times they are now expected to start (teachers' delays applied).",
      tags: ['on-the-night'],
      access: 'family',
      params: z.object({ eventId: z.uuid() }),
      response: ExpectedTimes,
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await f.night.expected(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/events/:eventId/teachers/:teacherId/absence',
      operationId: 'markAbsent',
      summary:
        "Admins mark a teacher absent (all evening or part of it): appointments cancelled with notice; with a cover teacher named, families are offered the cover's free slots.",
      tags: ['on-the-night'],
      access: 'admin',
      params: teacherParams,
      body: AbsenceRequest,
      response: AbsenceView,
      errors: ['not_found', 'invalid_input', 'window_closed'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await f.night.absent(principal, params.eventId, params.teacherId, body),
      }),
    }),
  ];
}
