import type { StaffContext } from '../mail-data.ts';
import { type ComposedMail, escapeHtml, htmlPage } from './layout.ts';

function linkMail(
  subject: string,
  greeting: string,
  lead: string,
  action: string,
  link: string,
  after: string,
  school: string,
): ComposedMail {
  const text = [
    greeting,
    '',
    lead,
    '',
    `${action}: ${link}`,
    '',
    after,
    '',
    '--',
    `Sent by Confer for ${school}.`,
  ].join('\n');
  const body = `<p>${escapeHtml(greeting)}</p>
<p>${escapeHtml(lead)}</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 16px;background:#1f5f8b;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(action)}</a></p>
<p style="font-size:13px;color:#555">Or copy this address into your browser:<br>${escapeHtml(link)}</p>
<p>${escapeHtml(after)}</p>`;
  return { subject, text, html: htmlPage(subject, body, escapeHtml(`Sent by Confer for ${school}.`)) };
}

export function invitationMail(staff: StaffContext, link: string): ComposedMail {
  return linkMail(
    `You are invited to Confer at ${staff.schoolName}`,
    `Dear ${staff.displayName},`,
    `${staff.schoolName} uses Confer to book parents' evening appointments, and has created an account for you (${staff.email}).`,
    'Choose your password',
    link,
    'The link works once and expires. If you did not expect this message, you can ignore it.',
    staff.schoolName,
  );
}

export function passwordResetMail(staff: StaffContext, link: string): ComposedMail {
  return linkMail(
    'Reset your Confer password',
    `Dear ${staff.displayName},`,
    `Someone (hopefully you) asked to reset the Confer password of ${staff.email} at ${staff.schoolName}.`,
    'Choose a new password',
    link,
    'The link works once and expires soon. If you did not ask for this, ignore this message: your password stays as it is.',
    staff.schoolName,
  );
}
