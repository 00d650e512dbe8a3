import type { StaffContext } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage, paragraphsHtml } from './layout.ts';

/**
 * An operator's message to a school admin, with a one-click link that stops these
 * messages for this admin only. The List-Unsubscribe headers let mail clients show
 * their own unsubscribe button (RFC 2369 / RFC 8058).
 */
export function systemUpdateMail(
  staff: StaffContext,
  subject: string,
  body: string,
  optOutLink: string,
): ComposedMail {
  const why = `You receive Confer service updates as an administrator of ${staff.schoolName}.`;
  const text = [
    `Dear ${staff.displayName},`,
    '',
    body,
    '',
    '--',
    why,
    `To stop receiving these updates, open: ${optOutLink}`,
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>Dear ${escapeHtml(staff.displayName)},</p>\n${paragraphsHtml(body)}`,
    `${escapeHtml(why)} <a href="${escapeHtml(optOutLink)}">Stop receiving these updates</a>.`,
  );
  return {
    subject: `Confer update: ${subject}`,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${optOutLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
