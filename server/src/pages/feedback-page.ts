import express, { type Router } from 'express';
import { COMPLAINT_STATUS_PATH } from '../../../protocol/complaints-procedure.ts';
import { PublicFeedbackRequest } from '../../../protocol/schools.ts';
import type { FeedbackService } from '../features/feedback/feedback.service.ts';
import type { FeedbackStatusLookup } from '../features/feedback/feedback-status.ts';
import { messageHtml, rawHtml } from '../features/mail/templates/layout.ts';
import type { Translator } from '../i18n/translator.ts';
import { DomainError } from '../refusals/domain-error.ts';
import { statusForm, statusPage } from './feedback-status-page.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import {
  languageField,
  languageLinks,
  pageTranslator,
  shownLanguage,
  withLanguage,
} from './page-language.ts';

const FIELDS = ['kind', 'schoolCode', 'name', 'email', 'subject', 'body'] as const;

function linkTo(href: string) {
  return { link_start: rawHtml(`<a href="${escapeHtml(href)}">`), link_end: rawHtml('</a>') };
}

function form(t: Translator, values: Record<string, string>, error?: string): string {
  const m = t.m;
  const v = (k: string) => escapeHtml(values[k] ?? '');
  const label = (id: string, text: string) => `<label for="${id}">${escapeHtml(text)}</label>`;
  return htmlDocument(
    m.page_feedback_title(),
    `${languageLinks(t, '/feedback')}<h1>${escapeHtml(m.page_feedback_title())}</h1>
<p>${messageHtml(m.page_feedback_intro, linkTo(withLanguage(COMPLAINT_STATUS_PATH, t)))}</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/feedback">${languageField(t, true)}
${label('kind', m.page_feedback_kind())}
<select id="kind" name="kind"><option value="feedback">${escapeHtml(m.page_feedback_kind_feedback())}</option><option value="complaint"${values.kind === 'complaint' ? ' selected' : ''}>${escapeHtml(m.page_feedback_kind_complaint())}</option></select>
${label('schoolCode', m.page_feedback_school_code())}
<input id="schoolCode" name="schoolCode" maxlength="16" value="${v('schoolCode')}">
${label('name', m.page_feedback_name())}
<input id="name" name="name" maxlength="200" required value="${v('name')}">
${label('email', m.page_feedback_email())}
<input id="email" name="email" type="email" maxlength="254" value="${v('email')}">
${label('subject', m.page_feedback_subject())}
<input id="subject" name="subject" maxlength="200" required value="${v('subject')}">
${label('body', m.page_feedback_body())}
<textarea id="body" name="body" rows="8" maxlength="5000" required>${v('body')}</textarea>
<button type="submit">${escapeHtml(m.page_feedback_send())}</button>
</form>
<p class="note"><a href="${escapeHtml(withLanguage('/privacy', t))}">${escapeHtml(m.page_how_we_handle_data())}</a></p>`,
    '',
    t,
  );
}

/** A refusal of the service in the reader's words (its message is English). */
function refusalText(t: Translator, err: DomainError): string {
  if (err.code === 'rate_limited') return t.m.page_feedback_too_many();
  if (err.code === 'invalid_input' && err.message === 'There is no school with this code.')
    return t.m.page_feedback_no_school();
  return err.message;
}

/** The public feedback form and status page as plain HTML (work without the client app or scripts), in the reader's language. */
export function feedbackPages(feedback: FeedbackService, status: FeedbackStatusLookup): Router {
  const router = express.Router();
  router.get('/feedback', (req, res) => {
    res.type('html').send(form(pageTranslator(req), {}));
  });
  router.post('/feedback', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const t = pageTranslator(req);
    const language = shownLanguage(req);
    const raw: Record<string, string> = {};
    for (const k of FIELDS) raw[k] = String(req.body?.[k] ?? '').trim();
    const parsed = PublicFeedbackRequest.safeParse({
      kind: raw.kind,
      name: raw.name,
      subject: raw.subject,
      body: raw.body,
      ...(raw.schoolCode ? { schoolCode: raw.schoolCode } : {}),
      ...(raw.email ? { email: raw.email } : {}),
      // The mails about it are written in the language the sender read the form in.
      ...(language ? { language } : {}),
    });
    if (!parsed.success) {
      // The fields by their form names, as before (each is next to its label on the page).
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
      res
        .status(400)
        .type('html')
        .send(form(t, raw, t.m.page_feedback_check({ fields: fields.join(', ') })));
      return;
    }
    try {
      const { reference, secret, acknowledgementQueued } = await feedback.submitPublic(
        parsed.data,
        req.ip ?? 'unknown',
      );
      const follow = acknowledgementQueued ? t.m.page_thanks_secret_and_mail : t.m.page_thanks_secret;
      // The secret is on this page once: it must not stay in a browser's or proxy's cache.
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(
          htmlDocument(
            t.m.page_thanks_title(),
            `<h1>${escapeHtml(t.m.page_thanks_title())}</h1><p>${messageHtml(t.m.page_thanks_reference, {
              reference,
              b: rawHtml('<strong>'),
              b_end: rawHtml('</strong>'),
            })}</p>
<p>${messageHtml(follow, linkTo(withLanguage(COMPLAINT_STATUS_PATH, t)))}</p>
<p class="code" dir="ltr">${escapeHtml(secret)}</p>`,
            '',
            t,
          ),
        );
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      res
        .status(err.code === 'rate_limited' ? 429 : 400)
        .type('html')
        .send(form(t, raw, refusalText(t, err)));
    }
  });
  router.get(COMPLAINT_STATUS_PATH, (req, res) => {
    res.type('html').send(statusForm(pageTranslator(req), {}));
  });
  router.post(
    COMPLAINT_STATUS_PATH,
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      res.set('Cache-Control', 'no-store').type('html');
      res.send(await statusPage(pageTranslator(req), status, req.body, req.ip ?? 'unknown', res));
    },
  );
  return router;
}
