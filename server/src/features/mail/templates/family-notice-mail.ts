import { type Translator, translatorFor } from '../../../i18n/translator.ts';
import type { FamilyContext } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, paragraphsHtml } from './layout.ts';

/**
 * A short notice to a family about the evening itself (a slot offered from the
 * waiting list, a teacher running late). The subject and body are composed by the
 * feature that sends it, already in the school's local time; the frame around them
 * is in the family's language.
 */
export function familyNoticeMail(
  ctx: FamilyContext,
  subject: string,
  body: string,
  t: Translator = translatorFor(ctx.language),
): ComposedMail {
  const names = { school: ctx.schoolName, event: ctx.eventName };
  const full = t.m.mail_notice_subject({ ...names, subject });
  const footer = t.m.mail_notice_footer(names);
  const dear = t.m.mail_dear_family({ surname: ctx.surname });
  const text = [dear, '', body, '', '--', footer].join('\n');
  const html = htmlPage(full, `<p>${escapeHtml(dear)}</p>\n${paragraphsHtml(body)}`, escapeHtml(footer), t);
  return { subject: full, text, html };
}
