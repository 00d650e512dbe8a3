import type { FamilyContext } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, paragraphsHtml } from './layout.ts';

/**
 * A short notice to a family about the evening itself (a slot offered from the
 * waiting list, a teacher running late). The text is composed by the feature
 * that sends it, already in the school's local time.
 */
export function familyNoticeMail(ctx: FamilyContext, subject: string, body: string): ComposedMail {
  const full = `${subject}: ${ctx.eventName} (${ctx.schoolName})`;
  const footer = `${ctx.schoolName} · sent by Confer for ${ctx.eventName}`;
  const text = [`Dear ${ctx.surname} family,`, '', body, '', '--', footer].join('\n');
  const html = htmlPage(
    full,
    `<p>Dear ${escapeHtml(ctx.surname)} family,</p>\n${paragraphsHtml(body)}`,
    escapeHtml(footer),
  );
  return { subject: full, text, html };
}
