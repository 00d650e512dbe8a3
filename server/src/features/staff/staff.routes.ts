import { z } from 'zod';
import {
  InviteStaffRequest,
  InviteStaffResponse,
  RequestPasswordResetRequest,
  RequestPasswordResetResponse,
  SetPasswordRequest,
  SetPasswordResponse,
  StaffAccountView,
} from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { inviteInput, type StaffAccountsService } from './staff-accounts.service.ts';

const StaffParams = z.object({ staffId: z.uuid() });

export function staffRoutes(staff: StaffAccountsService, resetLimit: RateLimit): AnyRoute[] {
  const setActive = (active: boolean) =>
    defineRoute({
      method: 'post',
      path: `/admin/staff-accounts/:staffId/${active ? 'reactivate' : 'deactivate'}`,
      operationId: active ? 'reactivateStaff' : 'deactivateStaff',
      summary: active
        ? 'Lets a deactivated staff member sign in again.'
        : 'Deactivates a staff member: sign-in refused and every session of theirs ends at once.',
      tags: ['staff'],
      access: 'admin',
      params: StaffParams,
      response: StaffAccountView,
      errors: ['not_found', 'invalid_input'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await staff.setActive(principal, params.staffId, active),
      }),
    });
  return [
    defineRoute({
      method: 'get',
      path: '/admin/staff-accounts',
      operationId: 'listStaffAccounts',
      summary: "The school's staff accounts with their state (active, password set).",
      tags: ['staff'],
      access: 'admin',
      response: z.object({ staff: z.array(StaffAccountView) }),
      handler: async ({ principal }) => ({ ok: true, data: { staff: await staff.list(principal) } }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/staff-accounts',
      operationId: 'inviteStaff',
      summary: 'Creates a staff account and e-mails a single-use, expiring link to set a password.',
      tags: ['staff'],
      access: 'admin',
      body: InviteStaffRequest,
      response: InviteStaffResponse,
      errors: ['invalid_input'],
      handler: async ({ principal, body }) => {
        const r = await staff.invite(inviteInput(principal, body));
        return { ok: true, data: { ...r, expiresAt: r.expiresAt.toISOString() } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/staff-accounts/:staffId/send-link',
      operationId: 'sendStaffPasswordLink',
      summary: 'E-mails a staff member a new link: a reset link, or a fresh invitation if never accepted.',
      tags: ['staff'],
      access: 'admin',
      params: StaffParams,
      response: InviteStaffResponse,
      errors: ['not_found', 'invalid_input'],
      handler: async ({ principal, params }) => {
        const r = await staff.adminSendLink(principal, params.staffId);
        return { ok: true, data: { ...r, expiresAt: r.expiresAt.toISOString() } };
      },
    }),
    setActive(false),
    setActive(true),
    defineRoute({
      method: 'post',
      path: '/auth/password/reset-request',
      operationId: 'requestPasswordReset',
      summary:
        'Forgot password: e-mails a reset link if the address has an account (the answer is the same either way).',
      tags: ['auth'],
      access: 'public',
      body: RequestPasswordResetRequest,
      response: RequestPasswordResetResponse,
      errors: ['rate_limited'],
      handler: async ({ body, req }) => {
        for (const key of [`email:${body.email.toLowerCase()}`, `address:${req.ip ?? 'unknown'}`]) {
          const outcome = await resetLimit.consume(key);
          if (!outcome.allowed)
            throw new DomainError('rate_limited', undefined, { retryAfter: outcome.retryAfterSeconds });
        }
        await staff.requestReset(body.email);
        return { ok: true, data: { accepted: true as const } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/password',
      operationId: 'setPasswordWithLink',
      recorded: 'by_service',
      summary: 'Sets a password with the secret from an invitation or reset link (single use, expiring).',
      tags: ['auth'],
      access: 'public',
      body: SetPasswordRequest,
      response: SetPasswordResponse,
      errors: ['not_found', 'invalid_input'],
      handler: async ({ body }) => ({ ok: true, data: await staff.setPassword(body.token, body.password) }),
    }),
  ];
}
