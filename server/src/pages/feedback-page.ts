import express, { type Router } from 'express';
import { COMPLAINT_STATUS_PATH } from '../../../protocol/complaints-procedure.ts';
import { PublicFeedbackRequest } from '../../../protocol/schools.ts';
import type { FeedbackService } from '../features/feedback/feedback.service.ts';
import type { FeedbackStatusLookup } from '../features/feedback/feedback-status.ts';
import { DomainError } from '../refusals/domain-error.ts';
import { statusForm, statusPage } from './feedback-status-page.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

function form(values: Record<string, string>, error?: string): string {
  const v = (k: string) => escapeHtml(values[k] ?? '');
  return htmlDocument(
    'Feedback and complaints',
    `<h1>Feedback and complaints</h1>
<p>Tell us what works and what does not. You get a reference number and a secret to <a href="${COMPLAINT_STATUS_PATH}">follow its status</a>, and an acknowledgement and the replies by e-mail if you give an address.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/feedback">
<label for="kind">This is</label>
<select id="kind" name="kind"><option value="feedback">Feedback</option><option value="complaint"${values.kind === 'complaint' ? ' selected' : ''}>A complaint</option></select>
<label for="schoolCode">School code (leave empty if it is about the Confer service itself)</label>
<input id="schoolCode" name="schoolCode" maxlength="16" value="${v('schoolCode')}">
<label for="name">Your name</label>
<input id="name" name="name" maxlength="200" required value="${v('name')}">
<label for="email">Your e-mail (optional, for the acknowledgement and our reply)</label>
<input id="email" name="email" type="email" maxlength="254" value="${v('email')}">
<label for="subject">Subject</label>
<input id="subject" name="subject" maxlength="200" required value="${v('subject')}">
<label for="body">Your message</label>
<textarea id="body" name="body" rows="8" maxlength="5000" required>${v('body')}</textarea>
<button type="submit">Send</button>
</form>
<p class="note"><a href="/privacy">How we handle your data</a></p>`,
  );
}

/** The public feedback form and status page as plain HTML (work without the client app or scripts). */
export function feedbackPages(feedback: FeedbackService, status: FeedbackStatusLookup): Router {
  const router = express.Router();
  router.get('/feedback', (_req, res) => {
    res.type('html').send(form({}));
  });
  router.post('/feedback', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const raw: Record<string, string> = {};
    for (const k of ['kind', 'schoolCode', 'name', 'email', 'subject', 'body'])
      raw[k] = String(req.body?.[k] ?? '').trim();
    const parsed = PublicFeedbackRequest.safeParse({
      kind: raw.kind,
      name: raw.name,
      subject: raw.subject,
      body: raw.body,
      ...(raw.schoolCode ? { schoolCode: raw.schoolCode } : {}),
      ...(raw.email ? { email: raw.email } : {}),
    });
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
      res
        .status(400)
        .type('html')
        .send(form(raw, `Please check: ${fields}.`));
      return;
    }
    try {
      const { reference, secret, acknowledgementQueued } = await feedback.submitPublic(
        parsed.data,
        req.ip ?? 'unknown',
      );
      // The secret is on this page once: it must not stay in a browser's or proxy's cache.
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(
          htmlDocument(
            'Thank you',
            `<h1>Thank you</h1><p>Your reference number is <strong>${escapeHtml(reference)}</strong>. Please quote it if you write to us about this.</p>
<p>To <a href="${COMPLAINT_STATUS_PATH}">follow its status and read the replies</a> you need the reference and this secret. Note it down: it is shown only now${acknowledgementQueued ? ' and in the acknowledgement we are sending you' : ''}.</p>
<p class="code">${escapeHtml(secret)}</p>`,
          ),
        );
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      res
        .status(err.code === 'rate_limited' ? 429 : 400)
        .type('html')
        .send(form(raw, err.message));
    }
  });
  router.get(COMPLAINT_STATUS_PATH, (_req, res) => {
    res.type('html').send(statusForm({}));
  });
  router.post(
    COMPLAINT_STATUS_PATH,
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      res.set('Cache-Control', 'no-store').type('html');
      res.send(await statusPage(status, req.body, req.ip ?? 'unknown', res));
    },
  );
  return router;
}
