import { z } from 'zod';
import { MailPreferences, SetMailPreferencesRequest } from '../../../../protocol/mail-preferences.ts';
import { type AnyRoute, defineRoute, type RecordNotes } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { type SystemMailState, setSystemMailOptOut, systemMailState } from './opt-out.ts';

const OptOutParams = z.object({ token: z.string().regex(/^[0-9a-f]{48}$/) });
const OptOutState = z.object({ optedOut: z.boolean(), message: z.string() });

function said(s: SystemMailState): z.infer<typeof OptOutState> {
  return {
    optedOut: s.optedOut,
    message: s.optedOut
      ? `Confer service updates are not sent to ${s.email}.`
      : `Confer service updates are sent to ${s.email}.`,
  };
}

/**
 * System-update mail: the token in each such mail's link names the admin, no login
 * (the HTML page a person sees is pages/opt-out-page.ts); and the signed-in admin's own
 * preference. Reading by token changes nothing: mail scanners follow links.
 */
export function mailRoutes(db: Db): AnyRoute[] {
  const byToken = (change: boolean | null) => {
    return async ({ params, record }: { params: z.infer<typeof OptOutParams>; record: RecordNotes }) => {
      const who = { token: params.token };
      const state =
        change === null ? await systemMailState(db, who) : await setSystemMailOptOut(db, who, change);
      if (!state) throw new DomainError('not_found');
      // The record names whose mail, by id (the token in the path is dropped as a secret).
      record.schoolId = state.schoolId;
      record.target = { staffId: state.staffId };
      record.after = { optedOut: state.optedOut };
      return { ok: true as const, data: said(state) };
    };
  };
  const common = {
    path: '/mail/opt-out/:token',
    tags: ['mail'] as const,
    access: 'public' as const,
    params: OptOutParams,
    response: OptOutState,
    errors: ['not_found' as const],
  };
  const ownStaffId = (p: { kind: string; staffId?: string }) => {
    // The route admits admins only, and admins are staff.
    if (p.kind !== 'staff' || !p.staffId) throw new DomainError('forbidden');
    return p.staffId;
  };
  const preferences = (s: SystemMailState | null) => {
    // Not `said`: the admin's own screen needs the address and the switch, nothing more.
    if (!s) throw new DomainError('not_found');
    return { ok: true as const, data: { email: s.email, systemUpdates: !s.optedOut } };
  };
  return [
    defineRoute({
      ...common,
      method: 'get',
      operationId: 'getSystemMailOptOut',
      summary:
        'Whether system-update e-mail goes to the admin named by the token. Reads only: following a link changes nothing.',
      handler: byToken(null),
    }),
    defineRoute({
      ...common,
      method: 'post',
      operationId: 'optOutOfSystemMail',
      summary: 'Stops system-update e-mail to the admin named by the token (no login).',
      handler: byToken(true),
    }),
    defineRoute({
      ...common,
      method: 'delete',
      operationId: 'optInToSystemMail',
      summary: 'Sends system-update e-mail again to the admin named by the token (no login).',
      handler: byToken(false),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/mail-preferences',
      operationId: 'getMailPreferences',
      summary: "The signed-in admin's own choice about the operator's system-update e-mail.",
      tags: ['mail', 'admin'],
      access: 'admin',
      response: MailPreferences,
      errors: ['not_found'],
      handler: async ({ principal }) =>
        preferences(await systemMailState(db, { staffId: ownStaffId(principal) })),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/mail-preferences',
      operationId: 'setMailPreferences',
      summary: "Opts the signed-in admin out of the operator's system-update e-mail, or back in.",
      tags: ['mail', 'admin'],
      access: 'admin',
      body: SetMailPreferencesRequest,
      response: MailPreferences,
      errors: ['not_found'],
      handler: async ({ principal, body, record }) => {
        const state = await setSystemMailOptOut(db, { staffId: ownStaffId(principal) }, !body.systemUpdates);
        record.after = { systemUpdates: state ? !state.optedOut : null };
        return preferences(state);
      },
    }),
  ];
}
