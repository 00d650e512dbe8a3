import { z } from 'zod';
import {
  CreateSchoolRequest,
  CreateSchoolResponse,
  FeedbackDetail,
  FeedbackList,
  OperatorLoginRequest,
  OperatorLoginResponse,
  OperatorOverview,
  ReplyFeedbackRequest,
  SchoolList,
  SchoolSummary,
  UpdateSchoolRequest,
} from '../../../../protocol/schools.ts';
import {
  SendSystemUpdateRequest,
  SentSystemUpdate,
  SystemUpdateDraft,
  SystemUpdateHistory,
  SystemUpdatePreview,
} from '../../../../protocol/system-update.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FeedbackService } from '../feedback/feedback.service.ts';
import type { TrafficService } from '../stats/traffic.service.ts';
import type { OperatorAuth } from './operator-auth.ts';
import type { SchoolsService } from './schools.service.ts';
import type { SystemUpdatesService } from './system-updates.service.ts';

/**
 * The operator's routes. They are `public` to the school-session layer and check the
 * operator's own bearer token themselves: a school token here is answered 403.
 */
export function operatorRoutes(
  auth: OperatorAuth,
  schools: SchoolsService,
  traffic: TrafficService,
  feedback: FeedbackService,
  systemUpdates: SystemUpdatesService,
): AnyRoute[] {
  const FeedbackParams = z.object({ feedbackId: z.uuid() });
  const SchoolParams = z.object({ schoolId: z.uuid() });
  // Before input validation: a school token here learns nothing about the body's shape.
  const guard = async (token: string | null) => {
    await auth.require(token ?? '');
  };
  return [
    defineRoute({
      method: 'post',
      path: '/operator/login',
      operationId: 'loginOperator',
      summary:
        'Operators sign in (accounts are made with `npm run operator:create`); returns an operator token.',
      tags: ['operator'],
      access: 'public',
      body: OperatorLoginRequest,
      response: OperatorLoginResponse,
      errors: ['unauthenticated', 'rate_limited'],
      handler: async ({ body, req }) => ({
        ok: true,
        data: await auth.login(body.email, body.password, req.ip ?? 'unknown'),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/operator/logout',
      operationId: 'logoutOperator',
      summary: 'Ends the operator session.',
      tags: ['operator'],
      access: 'operator',
      guard,
      response: z.object({ ok: z.literal(true) }),
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ token }) => {
        await auth.require(token);
        await auth.logout(token);
        return { ok: true, data: { ok: true as const } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/operator/schools',
      operationId: 'listSchools',
      summary: 'Every school with aggregate counts (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      response: SchoolList,
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ token }) => {
        await auth.require(token);
        return { ok: true, data: { schools: await schools.list() } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/operator/schools',
      operationId: 'createSchool',
      summary:
        'Creates a school (code, name, IANA time zone, retention) and invites its first admin (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      body: CreateSchoolRequest,
      response: CreateSchoolResponse,
      errors: ['unauthenticated', 'forbidden', 'invalid_input'],
      handler: async ({ token, body }) => {
        await auth.require(token);
        return { ok: true, data: await schools.create(body) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/operator/schools/:schoolId',
      operationId: 'updateSchool',
      summary:
        'Suspends or unsuspends a school (suspended: its staff and families cannot sign in and their sessions end) and/or sets its retention period, 30 to 3650 days (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      params: SchoolParams,
      body: UpdateSchoolRequest,
      response: SchoolSummary,
      errors: ['unauthenticated', 'forbidden', 'invalid_input', 'not_found'],
      handler: async ({ token, params, body, record }) => {
        await auth.require(token);
        // Suspension and the retention period both decide what happens to a school's people and data.
        const before = await schools.get(params.schoolId);
        record.before = { suspendedAt: before.suspendedAt, retentionDays: before.retentionDays };
        const data = await schools.update(params.schoolId, body);
        record.after = { suspendedAt: data.suspendedAt, retentionDays: data.retentionDays };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/operator/system-updates/preview',
      operationId: 'previewSystemUpdate',
      summary:
        'The system-update mail as an admin would get it (subject, text, HTML), for a placeholder admin and school; sends nothing (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      recorded: { not: 'a preview: composes a mail and sends nothing' },
      body: SystemUpdateDraft,
      response: SystemUpdatePreview,
      errors: ['unauthenticated', 'forbidden', 'invalid_input'],
      handler: async ({ token, body }) => {
        await auth.require(token);
        return { ok: true, data: systemUpdates.preview(body) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/operator/system-updates',
      operationId: 'sendSystemUpdate',
      summary:
        'Queues the system-update mail to every admin who has not opted out (of one school, or of all), as `npm run mail:system-update` does (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      body: SendSystemUpdateRequest,
      response: SentSystemUpdate,
      errors: ['unauthenticated', 'forbidden', 'invalid_input', 'not_found'],
      handler: async ({ token, body, record }) => {
        await auth.require(token);
        const data = await systemUpdates.send(body);
        // The record names the update (its id, to whom, how many admins); the words are masked there as any message is.
        record.after = { ...data, schoolId: body.schoolId ?? null };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/operator/system-updates',
      operationId: 'listSystemUpdates',
      summary: 'The system updates sent, from the sent-log: counts and dates, no addresses (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      response: SystemUpdateHistory,
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ token }) => {
        await auth.require(token);
        return { ok: true, data: await systemUpdates.history() };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/operator/overview',
      operationId: 'getOperatorOverview',
      summary: 'Cross-school totals and traffic per day and page: aggregates only (operator token).',
      tags: ['operator'],
      access: 'operator',
      guard,
      response: OperatorOverview,
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ token }) => {
        await auth.require(token);
        return { ok: true, data: { ...(await schools.totals()), traffic: await traffic.report(null) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/operator/feedback',
      operationId: 'listServiceFeedback',
      summary: 'Feedback and complaints about the service itself (operator token).',
      tags: ['operator', 'feedback'],
      access: 'operator',
      guard,
      response: FeedbackList,
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ token }) => {
        await auth.require(token);
        return { ok: true, data: { items: await feedback.list({ about: 'service' }) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/operator/feedback/:feedbackId',
      operationId: 'getServiceFeedback',
      summary: 'One item about the service, with its replies (operator token).',
      tags: ['operator', 'feedback'],
      access: 'operator',
      guard,
      params: FeedbackParams,
      response: FeedbackDetail,
      errors: ['unauthenticated', 'forbidden', 'not_found'],
      handler: async ({ token, params }) => {
        await auth.require(token);
        return { ok: true, data: await feedback.get({ about: 'service' }, params.feedbackId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/operator/feedback/:feedbackId/replies',
      operationId: 'replyServiceFeedback',
      summary:
        'Adds a reply (and optionally a new status) to an item about the service, mailed to the sender and shown on their status page (operator token).',
      tags: ['operator', 'feedback'],
      access: 'operator',
      guard,
      params: FeedbackParams,
      body: ReplyFeedbackRequest,
      response: FeedbackDetail,
      errors: ['unauthenticated', 'forbidden', 'not_found'],
      handler: async ({ token, params, body }) => {
        const op = await auth.require(token);
        return {
          ok: true,
          data: await feedback.reply({ about: 'service' }, params.feedbackId, body, {
            kind: 'operator',
            id: op.id,
          }),
        };
      },
    }),
  ];
}
