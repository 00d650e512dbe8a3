import { z } from 'zod';
import { FeedbackStatusRequest, FeedbackStatusView } from '../../../../protocol/feedback-status.ts';
import {
  FeedbackDetail,
  FeedbackList,
  PublicFeedbackRequest,
  ReplyFeedbackRequest,
  SubmitFeedbackRequest,
  SubmitFeedbackResponse,
} from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FeedbackService } from './feedback.service.ts';
import type { FeedbackStatusLookup } from './feedback-status.ts';

const Params = z.object({ feedbackId: z.uuid() });

export function feedbackRoutes(feedback: FeedbackService, status: FeedbackStatusLookup): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/feedback',
      operationId: 'submitFeedback',
      recorded: 'by_service',
      summary:
        'A signed-in family or staff member sends feedback or a complaint; answers its reference number.',
      tags: ['feedback'],
      access: 'any',
      body: SubmitFeedbackRequest,
      response: SubmitFeedbackResponse,
      errors: ['rate_limited'],
      handler: async ({ principal, body }) => ({ ok: true, data: await feedback.submit(principal, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/feedback/public',
      operationId: 'submitPublicFeedback',
      recorded: 'by_service',
      summary: 'The public form (login page): feedback about a school (by code) or about the service.',
      tags: ['feedback'],
      access: 'public',
      body: PublicFeedbackRequest,
      response: SubmitFeedbackResponse,
      errors: ['rate_limited'],
      handler: async ({ body, req }) => ({
        ok: true,
        data: await feedback.submitPublic(body, req.ip ?? 'unknown'),
      }),
    }),
    defineRoute({
      // POST, not GET: the secret must not sit in a URL (logs, history, referrers).
      method: 'post',
      path: '/feedback/status',
      operationId: 'getFeedbackStatus',
      summary:
        'The sender follows feedback or a complaint by reference and secret: status in plain words, replies, dates. A wrong reference and a wrong secret get the same 404.',
      tags: ['feedback'],
      access: 'public',
      body: FeedbackStatusRequest,
      response: FeedbackStatusView,
      errors: ['not_found', 'rate_limited'],
      recorded: { not: 'a read: POST only so that the secret is not in a URL' },
      handler: async ({ body, req }) => ({
        ok: true,
        data: await status.lookup(body, req.ip ?? 'unknown'),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/feedback',
      operationId: 'listFeedback',
      summary: "The school's feedback inbox: open items first, newest first.",
      tags: ['feedback'],
      access: 'admin',
      response: FeedbackList,
      handler: async ({ principal }) => ({
        ok: true,
        data: { items: await feedback.list({ schoolId: principal.schoolId }) },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/feedback/:feedbackId',
      operationId: 'getFeedback',
      summary: 'One feedback item with its reply history.',
      tags: ['feedback'],
      access: 'admin',
      params: Params,
      response: FeedbackDetail,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await feedback.get({ schoolId: principal.schoolId }, params.feedbackId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/feedback/:feedbackId/replies',
      operationId: 'replyFeedback',
      summary:
        'Adds a reply to the history and optionally moves the status (new, in_progress, resolved); the reply is mailed to the sender and shown on their status page.',
      tags: ['feedback'],
      access: 'admin',
      params: Params,
      body: ReplyFeedbackRequest,
      response: FeedbackDetail,
      errors: ['not_found'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await feedback.reply({ schoolId: principal.schoolId }, params.feedbackId, body, {
          kind: 'staff',
          id: principal.kind === 'staff' ? principal.staffId : '',
        }),
      }),
    }),
  ];
}
