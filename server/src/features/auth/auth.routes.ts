import { z } from 'zod';
import { LoginFamilyRequest, LoginResponse, LoginStaffRequest, Me } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { Publisher } from '../live/publisher.ts';
import type { AuthService } from './auth.service.ts';

export function authRoutes(auth: AuthService, publisher: Publisher): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/auth/staff/login',
      operationId: 'loginStaff',
      summary: 'Staff sign in with email and password; returns a bearer token.',
      tags: ['auth'],
      access: 'public',
      body: LoginStaffRequest,
      response: LoginResponse,
      errors: ['unauthenticated', 'forbidden', 'rate_limited'],
      handler: async ({ body, req, record }) => {
        const data = await auth.loginStaff(body, req.ip ?? 'unknown');
        if (data.me.kind === 'staff') record.actor = { kind: 'staff', id: data.me.staff.id };
        record.schoolId = data.me.school.id;
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/family/login',
      operationId: 'loginFamily',
      summary: "Families sign in with the school's code, their surname and their access code.",
      tags: ['auth'],
      access: 'public',
      body: LoginFamilyRequest,
      response: LoginResponse,
      errors: ['unauthenticated', 'forbidden', 'rate_limited'],
      handler: async ({ body, req, record }) => {
        const data = await auth.loginFamily(body, req.ip ?? 'unknown');
        if (data.me.kind === 'family') record.actor = { kind: 'family', id: data.me.family.id };
        record.schoolId = data.me.school.id;
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/logout',
      operationId: 'logout',
      summary: "Ends this session: the token stops working and the session's sockets are disconnected.",
      tags: ['auth'],
      access: 'any',
      response: z.object({ ok: z.literal(true) }),
      handler: async ({ token }) => {
        const sessionId = await auth.logout(token);
        if (sessionId) publisher.sessionEnded(sessionId, 'logout', 'You have signed out.');
        return { ok: true, data: { ok: true } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/me',
      operationId: 'getMe',
      summary: 'Who is signed in; for a family, its students with the teacher ids each may book.',
      tags: ['auth'],
      access: 'any',
      response: Me,
      handler: async ({ principal }) => ({ ok: true, data: await auth.me(principal) }),
    }),
  ];
}
