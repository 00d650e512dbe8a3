import { z } from 'zod';
import {
  InterpreterLoginRequest,
  InterpreterLoginResponse,
  InterpreterOwnSchedule,
} from '../../../../protocol/interpreters.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { Publisher } from '../live/publisher.ts';
import type { InterpreterSignIn } from './interpreter-sign-in.ts';

const tags = ['interpreters'] as const;

/**
 * The interpreter's own door (docs/security.md, "Interpreters"): sign in with the
 * one-time link of the schedule mail, read one's own schedule, sign out. No family or
 * staff session passes `access: 'interpreter'`, and an interpreter's session passes
 * nothing else (http/route.ts).
 */
export function interpreterSelfRoutes(signIn: InterpreterSignIn, publisher: Publisher): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/auth/interpreter/login',
      operationId: 'loginInterpreter',
      summary:
        'An interpreter signs in with the one-time token of the link in their schedule mail; returns a bearer token for that event only.',
      tags,
      access: 'public',
      body: InterpreterLoginRequest,
      response: InterpreterLoginResponse,
      errors: ['unauthenticated', 'forbidden'],
      handler: async ({ body, record }) => {
        const data = await signIn.login(body.token);
        record.actor = { kind: 'interpreter', id: data.interpreter.id };
        record.target = { eventId: data.eventId };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/interpreter/schedule',
      operationId: 'getMyInterpreterSchedule',
      summary:
        'The signed-in interpreter’s meetings at their event, in time order: time, room, teacher, family surname and language.',
      tags,
      access: 'interpreter',
      response: InterpreterOwnSchedule,
      errors: ['not_found'],
      handler: async ({ interpreter }) => ({ ok: true, data: await signIn.ownSchedule(interpreter!) }),
    }),
    defineRoute({
      method: 'post',
      path: '/interpreter/logout',
      operationId: 'logoutInterpreter',
      summary: 'Ends the interpreter’s session: the token stops working and its sockets are disconnected.',
      tags,
      access: 'interpreter',
      response: z.object({ ok: z.literal(true) }),
      handler: async ({ token, interpreter, record }) => {
        record.actor = { kind: 'interpreter', id: interpreter!.interpreterId };
        record.schoolId = interpreter!.schoolId;
        const sessionId = await signIn.logout(token);
        if (sessionId) publisher.sessionEnded(sessionId, 'logout', 'You have signed out.');
        return { ok: true, data: { ok: true } };
      },
    }),
  ];
}
