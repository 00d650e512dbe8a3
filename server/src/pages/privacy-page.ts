import express, { type Router } from 'express';
import {
  COMPLAINT_ANSWER_SCHOOL_DAYS,
  COMPLAINT_STATUS_PATH,
  ICO_COMPLAINT_URL,
} from '../../../protocol/complaints-procedure.ts';
import { DEFAULT_RETENTION_DAYS } from '../../../protocol/school-settings.ts';
import type { Config } from '../config.ts';
import { messageHtml, rawHtml } from '../features/mail/templates/layout.ts';
import { translatorForLanguage } from '../i18n/family-translator.ts';
import type { Translator } from '../i18n/translator.ts';
import type { Db } from '../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import { languageField, languageLinks, pageLanguage, pageTranslator, withLanguage } from './page-language.ts';
import { privacyRules } from './privacy-rules.ts';

interface School {
  id: string;
  code: string;
  name: string;
  retention_days: number;
  contact_email: string | null;
}

/**
 * The privacy statement, written from what the code does rather than kept as prose
 * beside it: the retention table is retention-rules.ts (the sweep's own constants) with
 * the school's period from `schools.retention_days`, the very column the sweep reads,
 * and the complaint deadline is the procedure's constant. A family reaches it from the
 * app's footer with its school already chosen (`?school=CODE`); without one the page
 * offers a field for the school's code, so nobody has to edit an address. It names no
 * server, host or internal part of the service: those are the operator's business.
 * It is in the reader's language (page-language.ts), the same statements translated, and
 * with the school chosen, in that school's own words for the language (as its mail is).
 */
export function privacyPages(config: Config, db: Db): Router {
  const router = express.Router();
  router.get('/privacy', async (req, res) => {
    const asked =
      typeof req.query.school === 'string' ? req.query.school.trim().toUpperCase().slice(0, 16) : '';
    const { rows } = /^[A-Z0-9]{3,16}$/.test(asked)
      ? await db.query<School>(
          'SELECT id, code, name, retention_days, contact_email FROM schools WHERE code = $1',
          [asked],
        )
      : { rows: [] };
    const school = rows[0] ?? null;
    const t = await schoolPageTranslator(db, req, school);
    const page = privacyBody(
      t,
      config,
      school,
      asked,
      languageLinks(t, '/privacy', school ? { school: school.code } : {}),
    );
    res.type('html').send(htmlDocument(t.m.privacy_title(), page, '', t));
  });
  return router;
}

/** The reader's language with the school's own words over it; none without a school, nor in the pseudo-locale (for tests). */
function schoolPageTranslator(db: Db, req: express.Request, school: School | null): Promise<Translator> {
  const t = pageTranslator(req);
  if (!school || t.tag === 'en-XA') return Promise.resolve(t);
  return translatorForLanguage(db, school.id, pageLanguage(req));
}

const bold = { b: rawHtml('<strong>'), b_end: rawHtml('</strong>') };

function linkTo(href: string) {
  return { link_start: rawHtml(`<a href="${escapeHtml(href)}">`), link_end: rawHtml('</a>') };
}

function privacyBody(
  t: Translator,
  config: Config,
  school: School | null,
  asked: string,
  languages: string,
): string {
  const m = t.m;
  const name = school?.name ?? '';
  const contact = school?.contact_email
    ? rawHtml(`<a href="mailto:${escapeHtml(school.contact_email)}">${escapeHtml(school.contact_email)}</a>`)
    : null;
  const howTo = !school
    ? escapeHtml(m.privacy_rights_how_any())
    : contact
      ? messageHtml(m.privacy_rights_how_contact, { school: name, contact })
      : escapeHtml(m.privacy_rights_how_office({ school: name }));
  const feedbackForm = linkTo(withLanguage('/feedback', t));
  const questions = !school
    ? messageHtml(m.privacy_questions_any, feedbackForm)
    : contact
      ? messageHtml(m.privacy_questions_school_contact, {
          school: name,
          contact,
          code: school.code,
          ...feedbackForm,
        })
      : messageHtml(m.privacy_questions_school, { school: name, code: school.code, ...feedbackForm });
  const rules = privacyRules(t, school?.retention_days ?? null, config.ARCHIVE_AFTER_DAYS);
  const row = (a: string, b: string) => `<tr><td>${escapeHtml(a)}</td><td>${escapeHtml(b)}</td></tr>`;
  return `${languages}<p><a href="${escapeHtml(withLanguage('/', t))}">${escapeHtml(m.page_back_to_booking())}</a></p>
<h1>${escapeHtml(m.privacy_title())}</h1>
${school ? `<p>${messageHtml(m.privacy_for_school, { school: name, ...bold })}</p>` : schoolForm(t, asked)}
<h2>${escapeHtml(m.privacy_who_heading())}</h2>
<p>${school ? messageHtml(m.privacy_who_school, { school: name, ...bold }) : messageHtml(m.privacy_who_any, bold)}</p>
<h2>${escapeHtml(m.privacy_stored_heading())}</h2>
<table>
<caption>${escapeHtml(m.privacy_stored_caption())}</caption>
<tr><th scope="col">${escapeHtml(m.privacy_column_data())}</th><th scope="col">${escapeHtml(m.privacy_column_why())}</th></tr>
${row(m.privacy_data_family(), m.privacy_why_family())}
${row(m.privacy_data_language(), m.privacy_why_language())}
${row(m.privacy_data_children(), m.privacy_why_children())}
${row(m.privacy_data_staff(), m.privacy_why_staff())}
${row(m.privacy_data_interpreters(), m.privacy_why_interpreters())}
${row(m.privacy_data_appointments(), m.privacy_why_appointments())}
${row(m.privacy_data_feedback(), m.privacy_why_feedback())}
</table>
<p>${escapeHtml(m.privacy_no_address())}</p>
<h2>${escapeHtml(m.privacy_kept_heading())}</h2>
<p>${
    school
      ? messageHtml(m.privacy_kept_school, { school: name, count: school.retention_days, ...bold })
      : escapeHtml(m.privacy_kept_any({ count: DEFAULT_RETENTION_DAYS }))
  } ${escapeHtml(m.privacy_kept_after())}</p>
<table>
<caption>${escapeHtml(m.privacy_removed_caption())}</caption>
<tr><th scope="col">${escapeHtml(m.privacy_column_what())}</th><th scope="col">${escapeHtml(m.privacy_column_when())}</th></tr>
${rules.map((r) => row(r.what, r.when)).join('\n')}
</table>
<h2>${escapeHtml(m.privacy_rights_heading())}</h2>
<p>${escapeHtml(m.privacy_rights_intro())}</p>
<ul>
<li>${messageHtml(m.privacy_right_access, bold)}</li>
<li>${messageHtml(m.privacy_right_rectification, bold)}</li>
<li>${messageHtml(m.privacy_right_erasure, bold)}</li>
<li>${messageHtml(m.privacy_right_objection, bold)}</li>
</ul>
<p>${howTo}</p>
<h2>${escapeHtml(m.privacy_cookies_heading())}</h2>
<p>${messageHtml(m.privacy_cookies, { count: config.SESSION_IDLE_MINUTES, ...bold })}</p>
<h2>${escapeHtml(m.privacy_mail_heading())}</h2>
<p>${escapeHtml(m.privacy_mail())}</p>
<h2>${escapeHtml(m.privacy_questions_heading())}</h2>
<ul>
<li>${questions}</li>
<li>${escapeHtml(m.privacy_questions_service())}</li>
</ul>
<p>${messageHtml(m.privacy_complaint_deadline, { count: COMPLAINT_ANSWER_SCHOOL_DAYS, ...bold, ...linkTo(withLanguage(COMPLAINT_STATUS_PATH, t)) })}</p>
<p>${messageHtml(m.privacy_ico, { link: rawHtml(`<a href="${ICO_COMPLAINT_URL}">${ICO_COMPLAINT_URL}</a>`) })}</p>`;
}

/** Asks for the school's code (it is on every family's letter) instead of telling anyone to edit an address. */
function schoolForm(t: Translator, asked: string): string {
  const unknown = asked
    ? `<p class="error" role="alert">${escapeHtml(t.m.privacy_unknown_school({ code: asked }))}</p>`
    : '';
  return `${unknown}<form method="get" action="/privacy">${languageField(t)}
<label for="school">${escapeHtml(t.m.privacy_school_label())}</label>
<input id="school" name="school" autocomplete="off" maxlength="16" value="${escapeHtml(asked)}">
<button type="submit">${escapeHtml(t.m.privacy_school_button())}</button>
</form>`;
}
