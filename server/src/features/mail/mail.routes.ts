import { z } from 'zod';
import { errorBody } from '../../../../protocol/errors.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { optOutOfSystemMail } from './opt-out.ts';

const OptOutParams = z.object({ token: z.string().regex(/^[0-9a-f]{48}$/) });
const OptOutResult = z.object({ optedOut: z.literal(true), message: z.string() });

/**
 * The one-click opt-out from system-update mail: no login, the token in the link
 * names the admin. GET is what a click in a mail client does; POST is what mail
 * clients send for RFC 8058 "List-Unsubscribe-Post" one-click buttons.
 */
export function mailRoutes(db: Db): RouteDef<any, any>[] {
  const handler = async ({ params }: { params: z.infer<typeof OptOutParams> }) => {
    const done = await optOutOfSystemMail(db, params.token);
    if (!done) return { ok: false as const, error: errorBody('not_found') };
    return {
      ok: true as const,
      data: {
        optedOut: true as const,
        message: `Confer service updates will no longer be sent to ${done.email}.`,
      },
    };
  };
  const common = {
    path: '/mail/opt-out/:token',
    tags: ['mail'] as const,
    access: 'public' as const,
    params: OptOutParams,
    response: OptOutResult,
    errors: ['not_found' as const],
    handler,
  };
  return [
    defineRoute({
      ...common,
      method: 'get',
      operationId: 'optOutOfSystemMail',
      summary: 'Stops system-update e-mail to the admin named by the link (one click, no login).',
    }),
    defineRoute({
      ...common,
      method: 'post',
      operationId: 'optOutOfSystemMailOneClick',
      summary: "The same opt-out as a POST, for mail clients' one-click unsubscribe (RFC 8058).",
    }),
  ];
}
