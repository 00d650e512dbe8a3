import express, { type Router } from 'express';
import { PublicFeedbackRequest } from '../../../../protocol/schools.ts';
import { DomainError } from '../domain-error.ts';
import { escapeHtml, htmlDocument } from '../records/html-page.ts';
import type { FeedbackService } from './feedback.service.ts';

function form(values: Record<string, string>, error?: string): string {
  const v = (k: string) => escapeHtml(values[k] ?? '');
  return htmlDocument(
    'Feedback and complaints',
    `<h1>Feedback and complaints</h1>
<p>Tell us what works and what does not. You get a reference number, and an acknowledgement by e-mail if you give an address.</p>
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

/** The public feedback form as a plain HTML page (works without the client app or scripts). */
export function feedbackPages(feedback: FeedbackService): Router {
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
      const { reference } = await feedback.submitPublic(parsed.data, req.ip ?? 'unknown');
      res
        .type('html')
        .send(
          htmlDocument(
            'Thank you',
            `<h1>Thank you</h1><p>Your reference number is <strong>${escapeHtml(reference)}</strong>. Please quote it if you write to us about this.</p>`,
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
  return router;
}
