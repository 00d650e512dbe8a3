import type { IssuedCode } from '../features/access-codes/access-codes.service.ts';
import { messageHtml, rawHtml } from '../features/mail/templates/layout.ts';
import { type Translator, translatorFor } from '../i18n/translator.ts';
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

/**
 * Print-ready letters, one family per page (CSS page breaks), no external assets:
 * the admin prints straight from the browser. Each letter is in its family's language
 * (families.language) with that language's lang and dir; a letter not in English has the
 * English one below it, for the school's office. The page around them is the staff's (English).
 */
export function lettersPage(
  school: { name: string; code: string },
  loginUrl: string,
  codes: IssuedCode[],
): string {
  const english = translatorFor('en');
  const letters = codes
    .map((c) => {
      const t = translatorFor(c.language);
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
