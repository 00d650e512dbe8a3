/**
 * Which language a server page a family can open (privacy, feedback, opt-out) is shown in:
 * `?lang=xx` (the app's links carry the family's language; a form carries it on as a hidden
 * field), else the first language of the browser's Accept-Language that we offer, else English.
 */
import type { Request } from 'express';
import { isLocale, type Locale, localeNames, locales } from '../../../protocol/locales.ts';
import { pseudoTranslator, type Translator, translatorFor } from '../i18n/translator.ts';
import { escapeHtml } from './html-page.ts';

function asked(req: Request): string | null {
  const fromQuery = req.query.lang;
  if (typeof fromQuery === 'string') return fromQuery;
  const fromForm = (req.body as Record<string, unknown> | undefined)?.lang;
  return typeof fromForm === 'string' ? fromForm : null;
}

/** The first language of an Accept-Language header that we offer, by the browser's weights. */
export function fromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { primary: range.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q) : 1, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((r) => r.primary).find(isLocale) ?? null;
}

export function pageLanguage(req: Request): Locale {
  const chosen = asked(req);
  if (isLocale(chosen)) return chosen;
  return fromAcceptLanguage(req.get('accept-language')) ?? 'en';
}

export function pageTranslator(req: Request): Translator {
  // The pseudo-locale, as in the app (?lang=en-XA): for finding English that skipped the layer.
  if (asked(req) === 'en-XA') return pseudoTranslator();
  return translatorFor(pageLanguage(req));
}

/**
 * The language a page was shown in, for a form whose answers are mailed later (feedback):
 * null for the pseudo-locale, which is a tester's view of English, not a language to write in.
 */
export function shownLanguage(req: Request): Locale | null {
  return asked(req) === 'en-XA' ? null : pageLanguage(req);
}

/**
 * A form's hidden field that keeps the language for its answer (none for English: the default).
 * `always`: English too (and the pseudo-locale), for a form whose language is recorded — else a
 * browser preferring another language would have the English form's answer written in that one.
 */
export function languageField(t: Translator, always = false): string {
  if (t.locale === 'en' && !always) return '';
  const value = t.tag === 'en-XA' ? 'en-XA' : t.locale;
  return `<input type="hidden" name="lang" value="${value}">`;
}

/** `path` with `?lang=` (kept off for English, so English links stay as they were). */
export function withLanguage(path: string, t: Translator): string {
  if (t.locale === 'en') return path;
  return `${path}${path.includes('?') ? '&' : '?'}lang=${t.locale}`;
}

/**
 * Links to the same page in the other languages, each named in its own language (and marked
 * with it, so a screen reader reads it right). `query` is the page's other parameters.
 */
export function languageLinks(t: Translator, path: string, query: Record<string, string> = {}): string {
  const links = locales
    .filter((l) => l !== t.locale)
    .map((l) => {
      const params = new URLSearchParams({ ...query, lang: l });
      return `<a href="${escapeHtml(`${path}?${params}`)}" lang="${l}" hreflang="${l}">${escapeHtml(localeNames[l])}</a>`;
    });
  return `<nav class="languages noprint" aria-label="${escapeHtml(t.m.language_label())}">${links.join(' ')}</nav>`;
}
