import { z } from 'zod';
import {
  AccessCodesRequest,
  AccessCodesResponse,
  EmailAccessCodesResponse,
} from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute, type FileAnswer } from '../../http/route.ts';
import type { Translator } from '../../i18n/translator.ts';
import { lettersPage, letterTranslators } from '../../pages/letters-page.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { AccessCodesService, IssuedCode } from './access-codes.service.ts';

export interface AccessCodeRoutesDeps {
  codes: AccessCodesService;
  /** Where families sign in (printed on the letters). */
  loginUrl: string;
  /** Queues one mail per family with its new code; null when no mail queue is configured. */
  mailCodes: ((codes: IssuedCode[]) => Promise<void>) | null;
  /** A language with the school's own words over it (translatorForLanguage): the letters use the school's words. */
  translator: (schoolId: string, language: string) => Promise<Translator>;
}

export function accessCodesRoutes({
  codes,
  loginUrl,
  mailCodes,
  translator,
}: AccessCodeRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/admin/access-codes',
      operationId: 'issueAccessCodes',
      summary:
        'Generates new access codes (all families, the listed ones, or only those without one); old codes stop working. The codes are shown only in this answer.',
      tags: ['access-codes'],
      access: 'admin',
      body: AccessCodesRequest,
      response: AccessCodesResponse,
      errors: ['not_found'],
      handler: async ({ principal, body }) => {
        const { issued } = await codes.issue(principal, body);
        return {
          ok: true,
          data: {
            codes: issued.map((i) => ({
              familyId: i.familyId,
              surname: i.surname,
              accessCode: i.accessCode,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/access-codes/letters',
      operationId: 'printAccessCodeLetters',
      summary:
        'Generates new codes like issueAccessCodes and answers a print-ready HTML page: one letter per family, page breaks between.',
      tags: ['access-codes'],
      access: 'admin',
      body: AccessCodesRequest,
      response: z.string(),
      produces: 'text/html',
      errors: ['not_found'],
      handler: async ({ principal, body }) => {
        const { issued } = await codes.issue(principal, body);
        const school = await codes.schoolName(principal);
        const translators = await letterTranslators(issued, (l) => translator(principal.schoolId, l));
        const file: FileAnswer = {
          filename: `access-code-letters-${school.code.toLowerCase()}.html`,
          body: lettersPage(school, loginUrl, issued, translators),
        };
        return { ok: true, data: file };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/access-codes/email',
      operationId: 'emailAccessCodes',
      summary:
        'Generates new codes for the chosen families that have an e-mail address and mails each its code; families without an address keep theirs.',
      tags: ['access-codes'],
      access: 'admin',
      body: AccessCodesRequest,
      response: EmailAccessCodesResponse,
      errors: ['not_found', 'unavailable'],
      handler: async ({ principal, body }) => {
        if (!mailCodes) throw new DomainError('unavailable', 'E-mail is not configured on this server.');
        const { issued, skippedNoEmail } = await codes.issue(principal, body, { withEmailOnly: true });
        await mailCodes(issued);
        return { ok: true, data: { queued: issued.length, withoutEmail: skippedNoEmail } };
      },
    }),
  ];
}
