import { DateTime } from 'luxon';
import type { MailAttachment } from '../../../infra/mailer.ts';

/** A mail before it has an address: both parts, and any calendar file or headers. */
export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  headers?: Record<string, string>;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Every time a mail shows is the school's wall-clock time, whatever zone the
// worker runs in: a parent in Leeds must read the time their school means.
export function localDay(d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

export function localTime(d: Date, zone: string): string {
  return DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
}

/**
 * The HTML part: one self-contained page with inline styles. No images, no remote
 * resources, no tracking pixels — a school mail should open the same offline.
 */
export function htmlPage(title: string, bodyHtml: string, footerHtml: string): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;background:#f6f6f4;font-family:Arial,Helvetica,sans-serif;color:#1d1d1b;line-height:1.5">
<div style="max-width:600px;margin:0 auto;background:#ffffff;padding:24px;border-radius:6px">
${bodyHtml}
<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 12px">
<p style="font-size:12px;color:#666">${footerHtml}</p>
</div></body></html>`;
}

export function paragraphsHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
}
