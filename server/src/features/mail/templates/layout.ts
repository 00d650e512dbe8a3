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
// worker runs in: a parent in Leeds must read the time their school means. The
// words and digits are the reader's language (`tag`, a Translator's BCP-47 tag);
// English keeps the form its mails have always had ("Tuesday 1 December 2026"),
// which Intl's en-GB would write with a comma.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tag: string, zone: string, kind: 'day' | 'time'): Intl.DateTimeFormat {
  const key = `${tag}|${zone}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'day'
        ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
        : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    f = new Intl.DateTimeFormat(tag, { ...options, timeZone: zone });
    formatters.set(key, f);
  }
  return f;
}

const englishTags = new Set(['en-GB', 'en-XA']);

export function localDay(d: Date, zone: string, tag = 'en-GB'): string {
  if (englishTags.has(tag))
    return DateTime.fromJSDate(d, { zone }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
  return formatter(tag, zone, 'day').format(d);
}

export function localTime(d: Date, zone: string, tag = 'en-GB'): string {
  if (englishTags.has(tag)) return DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');
  return formatter(tag, zone, 'time').format(d);
}

/** Names joined as the language joins them ("Ada, Tom and Bea"). */
export function nameList(names: string[], tag = 'en-GB'): string {
  return new Intl.ListFormat(tag === 'en-XA' ? 'en-GB' : tag, { type: 'conjunction' }).format(names);
}

/** HTML to put into a message as it is (a link, a <strong>): every other input is text. */
export interface RawHtml {
  html: string;
}

export function rawHtml(html: string): RawHtml {
  return { html };
}

/**
 * A message as HTML: the whole sentence (the translator's words and the data) escaped,
 * then the raw pieces put in where their placeholders were. So a translation may move a
 * link anywhere in its sentence, and neither it nor the data can inject markup.
 */
export function messageHtml<I extends Record<string, unknown>>(
  message: (inputs: I) => string,
  inputs: { [K in keyof I]: I[K] | RawHtml },
): string {
  const raws: string[] = [];
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v && typeof v === 'object' && 'html' in v) {
      // Private-use characters: no message or data holds them, and escaping leaves them.
      args[k] = `\uE000${raws.length}\uE001`;
      raws.push((v as RawHtml).html);
    } else args[k] = v;
  }
  return escapeHtml(message(args as I)).replace(/\uE000(\d+)\uE001/g, (_, i: string) => raws[Number(i)]!);
}

/** The page's language and direction: `lang="ur" dir="rtl"`. */
export interface PageLanguage {
  tag: string;
  dir: 'ltr' | 'rtl';
}

const ENGLISH: PageLanguage = { tag: 'en-GB', dir: 'ltr' };

/**
 * The HTML part: one self-contained page with inline styles. No images, no remote
 * resources, no tracking pixels — a school mail should open the same offline.
 */
export function htmlPage(title: string, bodyHtml: string, footerHtml: string, language = ENGLISH): string {
  return `<!doctype html>
<html lang="${escapeHtml(language.tag)}" dir="${language.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
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
