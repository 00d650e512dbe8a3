import { z } from 'zod';
import {
  AdminMessages,
  FamilyLanguage,
  LocaleCode,
  MessageOverride,
  MessageOverrideParams,
  MessageOverrides,
  MessagesQuery,
  SetFamilyLanguageRequest,
  SetMessageOverrideRequest,
  SetMyLanguageRequest,
} from '../../../../protocol/languages.ts';
import type { Locale } from '../../../../protocol/locales.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { FamilyLanguageService } from './family-language.service.ts';
import type { MessageOverridesService } from './message-overrides.service.ts';

const tags = ['languages'] as const;

/** `?locale=` of a message list: one of the languages we offer, else 400. */
function localeOf(query: unknown): Locale {
  const parsed = LocaleCode.safeParse((query as { locale?: unknown }).locale);
  if (!parsed.success)
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path: 'locale', message: 'Name one of the languages Confer offers (en, cy, pl, …).' }],
    });
  return parsed.data;
}

export function languagesRoutes(
  languages: FamilyLanguageService,
  overrides: MessageOverridesService,
): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/me/language',
      operationId: 'setMyLanguage',
      summary:
        'The signed-in family’s language: its screens after the next sign-in, its mail and calendar files are in it.',
      tags,
      access: 'family',
      body: SetMyLanguageRequest,
      response: FamilyLanguage,
      errors: ['invalid_input', 'not_found'],
      handler: async ({ principal, body, record }) => {
        const { before, ...data } = await languages.setOwn(principal, body.language);
        record.before = { language: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/admin/families/:familyId/language',
      operationId: 'setFamilyLanguage',
      summary:
        'The language a family of the school reads Confer in (its mail too); null when the school does not know it (English is shown).',
      tags,
      access: 'admin',
      params: z.object({ familyId: z.uuid() }),
      body: SetFamilyLanguageRequest,
      response: FamilyLanguage,
      errors: ['invalid_input', 'not_found'],
      handler: async ({ principal, params, body, record }) => {
        const { before, ...data } = await languages.setForFamily(principal, params.familyId, body.language);
        record.before = { language: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/messages',
      operationId: 'listOverridableMessages',
      summary:
        'Every message families read that the school may reword, with its English text and placeholders, and the school’s own text in `?locale=`.',
      tags,
      access: 'admin',
      query: MessagesQuery,
      response: AdminMessages,
      errors: ['invalid_input'],
      handler: async ({ principal, req }) => ({
        ok: true,
        data: await overrides.list(principal, localeOf(req.query)),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/messages/:locale/:key',
      operationId: 'setMessageOverride',
      summary:
        'The school’s own text for one message in one language, shown to its families in place of the translation. It may use only the English message’s placeholders.',
      tags,
      access: 'admin',
      params: MessageOverrideParams,
      body: SetMessageOverrideRequest,
      response: MessageOverride,
      errors: ['invalid_input', 'unknown_message', 'unknown_placeholder'],
      handler: async ({ principal, params, body, record }) => {
        const { before, ...data } = await overrides.set(principal, params.locale, params.key, body.text);
        record.before = { text: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/messages/:locale/:key',
      operationId: 'clearMessageOverride',
      summary:
        'Clears the school’s own text for one message in one language: its families see the translation again.',
      tags,
      access: 'admin',
      params: MessageOverrideParams,
      response: MessageOverride,
      handler: async ({ principal, params, record }) => {
        const { before, ...data } = await overrides.clear(principal, params.locale, params.key);
        record.before = { text: before };
        return { ok: true, data };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/messages/overrides',
      operationId: 'getMessageOverrides',
      summary:
        'The signed-in person’s school’s own words for its families in `?locale=` (message key → text), laid over that language on screen.',
      tags,
      access: 'any',
      query: MessagesQuery,
      response: MessageOverrides,
      errors: ['invalid_input'],
      handler: async ({ principal, req }) => ({
        ok: true,
        data: await overrides.forSchool(principal, localeOf(req.query)),
      }),
    }),
  ];
}
