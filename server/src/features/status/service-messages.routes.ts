import { z } from 'zod';
import {
  EditServiceMessage,
  PostServiceMessage,
  ServiceMessage,
  ServiceMessages,
} from '../../../../protocol/status.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { OperatorAuth } from '../operator/operator-auth.ts';
import type { ServiceMessagesService } from './service-messages.service.ts';

/**
 * The operator's messages: anyone reads the current ones (they are on
 * /status too); the operator posts, edits and ends them. Each change is recorded by the
 * edge in the record of transactions, before and after.
 */
export function serviceMessagesRoutes(
  messages: ServiceMessagesService,
  operator: Pick<OperatorAuth, 'require'>,
): AnyRoute[] {
  const MessageParams = z.object({ messageId: z.uuid() });
  const guard = async (token: string | null) => {
    await operator.require(token ?? '');
  };
  return [
    defineRoute({
      method: 'get',
      path: '/service-messages',
      operationId: 'listCurrentServiceMessages',
      summary:
        "The operator's messages in force now, for everyone (`schoolId` null) or one school; a school's pages show theirs and everyone's as a banner, and hear changes as the socket event `service:messages`. Public, as /status is.",
      tags: ['status'],
      access: 'public',
      response: ServiceMessages,
      handler: async () => ({ ok: true, data: { messages: await messages.current() } }),
    }),
    defineRoute({
      method: 'get',
      path: '/operator/messages',
      operationId: 'listServiceMessages',
      summary: "The operator's messages, current ones first, then the last 50 ended (operator token).",
      tags: ['operator', 'status'],
      access: 'operator',
      guard,
      response: ServiceMessages,
      errors: ['unauthenticated', 'forbidden'],
      handler: async () => ({ ok: true, data: { messages: await messages.all() } }),
    }),
    defineRoute({
      method: 'post',
      path: '/operator/messages',
      operationId: 'postServiceMessage',
      summary:
        'Posts a message on /status and as a banner on the pages of one school (`schoolId`) or of every school; every open screen shows it at once (operator token).',
      tags: ['operator', 'status'],
      access: 'operator',
      guard,
      recorded: 'audit',
      body: PostServiceMessage,
      response: ServiceMessage,
      errors: ['unauthenticated', 'forbidden', 'invalid_input', 'not_found'],
      handler: async ({ body, record }) => {
        const data = await messages.post(body);
        record.after = { id: data.id, schoolId: data.schoolId };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/operator/messages/:messageId',
      operationId: 'editServiceMessage',
      summary: 'New words for a current message; open screens show them at once (operator token).',
      tags: ['operator', 'status'],
      access: 'operator',
      guard,
      recorded: 'audit',
      params: MessageParams,
      body: EditServiceMessage,
      response: ServiceMessage,
      errors: ['unauthenticated', 'forbidden', 'invalid_input', 'not_found'],
      handler: async ({ params, body, record }) => {
        const before = await messages.get(params.messageId);
        record.before = { id: before.id, updatedAt: before.updatedAt };
        const data = await messages.edit(params.messageId, body);
        record.after = { id: data.id, updatedAt: data.updatedAt };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/operator/messages/:messageId',
      operationId: 'endServiceMessage',
      summary:
        "Ends a message: it leaves /status and the banners at once and stays in the operator's list as ended (operator token; an ended one is 404).",
      tags: ['operator', 'status'],
      access: 'operator',
      guard,
      recorded: 'audit',
      params: MessageParams,
      response: ServiceMessage,
      errors: ['unauthenticated', 'forbidden', 'not_found'],
      handler: async ({ params, record }) => {
        const data = await messages.end(params.messageId);
        record.after = { id: data.id, endedAt: data.endedAt };
        return { ok: true, data };
      },
    }),
  ];
}
