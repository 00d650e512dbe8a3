import { z } from 'zod';
import { FamilyInterpreterView, SetFamilyInterpreterRequest } from '../../../../protocol/interpreters.ts';
import { SnapshotInterpreter } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FamilyInterpreterService } from './family-interpreter.service.ts';

const tags = ['interpreters'] as const;

/** A family's own need of an interpreter, and where one is free (docs/booking-door.md, "Interpreters"). */
export function familyInterpreterRoutes(need: FamilyInterpreterService): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/me/interpreter',
      operationId: 'setMyInterpreter',
      summary:
        'The signed-in family needs an interpreter for this language (a BCP-47 code, stored canonical): its next holds, moves and confirmations need one free; appointments already made are not changed.',
      tags,
      access: 'family',
      body: SetFamilyInterpreterRequest,
      response: FamilyInterpreterView,
      errors: ['invalid_input', 'not_found'],
      handler: async ({ principal, body, record }) => {
        const { before, ...data } = await need.setOwn(principal, body.language);
        record.before = { language: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/interpreter',
      operationId: 'clearMyInterpreter',
      summary:
        'The signed-in family no longer needs an interpreter (`not_found` when it needs none); appointments already made keep theirs.',
      tags,
      access: 'family',
      response: FamilyInterpreterView,
      errors: ['not_found'],
      handler: async ({ principal, record }) => {
        const { before, ...data } = await need.clearOwn(principal);
        record.before = { language: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/interpreter',
      operationId: 'getMyInterpreterSlots',
      summary:
        'For the signed-in family: the language it needs an interpreter for and the event’s slots at whose time one is free now (as the availability snapshot’s `interpreter`); `interpreter: null` when it needs none.',
      tags,
      access: 'family',
      params: z.object({ eventId: z.uuid() }),
      response: z.object({ eventId: z.uuid(), interpreter: SnapshotInterpreter.nullable() }),
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: { eventId: params.eventId, interpreter: await need.free(principal, params.eventId) },
      }),
    }),
  ];
}
