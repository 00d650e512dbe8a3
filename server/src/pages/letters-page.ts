import { isLocale, type Locale } from '../../../protocol/locales.ts';
import type { IssuedCode } from '../features/access-codes/access-codes.service.ts';
import { messageHtml, rawHtml } from '../features/mail/templates/layout.ts';
import type { Translator } from '../i18n/translator.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

function letter(
  t: Translator,
  school: { name: string; code: string },
  loginUrl: string,
  c: IssuedCode,
): string {
  const m = t.m;
  const row = (label: string, value: string) =>
    `<tr><th>${escapeHtml(label)}</th><td><span class="code" dir="ltr">${escapeHtml(value)}</span></td></tr>`;
  return `<p>${escapeHtml(school.name)}</p>
<h1>${escapeHtml(m.letter_heading())}</h1>
<p>${escapeHtml(m.mail_dear_family({ surname: c.surname }))}</p>
<p>${messageHtml(m.letter_sign_in, { url: loginUrl, b: rawHtml('<strong>'), b_end: rawHtml('</strong>') })}</p>
<table style="width:auto">
${row(m.mail_code_school_code(), school.code)}
${row(m.mail_code_surname(), c.surname)}
${row(m.mail_code_access_code(), c.accessCode)}
</table>
<p>${escapeHtml(m.letter_keep_private())}</p>
<p class="note">${escapeHtml(m.letter_privacy({ url: `${loginUrl.replace(/\/$/, '')}/privacy` }))}</p>`;
}

/** A language's translator with the school's own words over it, already read: building the page reads nothing. */
export type LetterTranslators = (language: string | null) => Translator;

/**
 * Reads, once per language the letters use (and English, for the office's copy), the
 * school's translator through `read` (translatorForLanguage with the school's id), so the
 * page is built without a database. A language we do not offer is read as English, as a
 * letter in it is written.
 */
export async function letterTranslators(
  codes: IssuedCode[],
  read: (language: Locale) => Promise<Translator>,
): Promise<LetterTranslators> {
  const localeOf = (language: string | null): Locale => (isLocale(language) ? language : 'en');
  const wanted = [...new Set<Locale>(['en', ...codes.map((c) => localeOf(c.language))])];
  const pairs = await Promise.all(wanted.map(async (l) => [l, await read(l)] as const));
  const byLocale = new Map<Locale, Translator>(pairs);
  return (language) => byLocale.get(localeOf(language))!;
}

/**
 * Print-ready letters, one family per page (CSS page breaks), no external assets:
 * the admin prints straight from the browser. Each letter is in its family's language
 * (families.language) with that language's lang and dir and the school's own words for that
 * language; a letter not in English has the English one below it (with the school's English
 * words), for the school's office. The page around them is the staff's (English).
 */
export function lettersPage(
  school: { name: string; code: string },
  loginUrl: string,
  codes: IssuedCode[],
  translators: LetterTranslators,
): string {
  const english = translators('en');
  const letters = codes
    .map((c) => {
      const t = translators(c.language);
      const own = `<div lang="${t.tag}" dir="${t.dir}">\n${letter(t, school, loginUrl, c)}\n</div>`;
      const office =
        t.locale === 'en'
          ? ''
          : `\n<hr>\n<div lang="${english.tag}" dir="ltr" class="note">\n${letter(english, school, loginUrl, c)}\n</div>`;
      return `<section class="page">\n${own}${office}\n</section>`;
    })
    .join('\n');
  return htmlDocument(`Access code letters – ${school.name}`, letters || '<p>No families were selected.</p>');
}
