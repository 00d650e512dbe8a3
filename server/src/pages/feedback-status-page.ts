import type { Response } from 'express';
import { DateTime } from 'luxon';
import {
  COMPLAINT_ANSWER_SCHOOL_DAYS,
  COMPLAINT_STATUS_PATH,
  ICO_COMPLAINT_URL,
} from '../../../protocol/complaints-procedure.ts';
import {
  FEEDBACK_STATUS_WORDS,
  FeedbackStatusRequest,
  type FeedbackStatusView,
} from '../../../protocol/feedback-status.ts';
import type { FeedbackStatusLookup } from '../features/feedback/feedback-status.ts';
import { DomainError } from '../refusals/domain-error.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

const TITLE = 'Follow your feedback or complaint';

/** The form: reference and secret, sent by POST so the secret never sits in a URL. */
export function statusForm(values: { reference?: string }, error?: string): string {
  return htmlDocument(
    TITLE,
    `<h1>${TITLE}</h1>
<p>Enter the reference number and the secret you were given when you wrote to us. Both are in the acknowledgement e-mail if you gave an address.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${COMPLAINT_STATUS_PATH}">
<label for="reference">Reference number (FB- and eight characters)</label>
<input id="reference" name="reference" maxlength="20" required autocomplete="off" spellcheck="false" value="${escapeHtml(values.reference ?? '')}">
<label for="secret">Secret</label>
<input id="secret" name="secret" maxlength="64" required autocomplete="off" spellcheck="false">
<button type="submit">Show the status</button>
</form>
<p class="note"><a href="/feedback">Write to us</a> · <a href="/privacy">How we handle your data</a> · <a href="/">Back to booking</a></p>`,
  );
}

function when(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).setLocale('en-GB').toFormat("cccc d LLLL yyyy 'at' HH:mm");
}

function viewHtml(v: FeedbackStatusView): string {
  const what = v.kind === 'complaint' ? 'Complaint' : 'Feedback';
  const replies = v.replies.length
    ? `<ol>${v.replies
        .map(
          (r) =>
            `<li><p class="note">${escapeHtml(when(r.at, v.timeZone))}, ${escapeHtml(r.from)}${
              r.statusTo ? ` — status: ${escapeHtml(FEEDBACK_STATUS_WORDS[r.statusTo])}` : ''
            }</p><p style="white-space:pre-wrap">${escapeHtml(r.body)}</p></li>`,
        )
        .join('\n')}</ol>`
    : '<p>No reply yet.</p>';
  return htmlDocument(
    `${what} ${v.reference}`,
    `<h1>${what} ${escapeHtml(v.reference)}</h1>
<table>
<tr><th scope="row">Status</th><td data-status="${v.status}"><strong>${escapeHtml(v.statusText)}</strong></td></tr>
<tr><th scope="row">Answered by</th><td>${escapeHtml(v.answeredBy)}</td></tr>
<tr><th scope="row">Received</th><td>${escapeHtml(when(v.receivedAt, v.timeZone))}</td></tr>
<tr><th scope="row">Last change</th><td>${escapeHtml(when(v.updatedAt, v.timeZone))}</td></tr>
</table>
<h2>Replies</h2>
${replies}
<h2>If you are not satisfied</h2>
<p>A complaint is answered within ${COMPLAINT_ANSWER_SCHOOL_DAYS} school days. If you are not satisfied with the answer, reply to it or <a href="/feedback">write to us again</a> quoting ${escapeHtml(v.reference)}. If it is about how your personal data is handled, you can also complain to the Information Commissioner's Office: <a href="${ICO_COMPLAINT_URL}">${ICO_COMPLAINT_URL}</a>.</p>
<p class="note"><a href="${COMPLAINT_STATUS_PATH}">Look up another</a> · <a href="/privacy">How we handle your data</a> · <a href="/">Back to booking</a></p>`,
  );
}

/**
 * The answer to the form: the status, or the form again with the one refusal for a
 * reference and secret that do not match (whichever of the two is wrong).
 */
export async function statusPage(
  lookup: FeedbackStatusLookup,
  body: unknown,
  address: string,
  res: Response,
): Promise<string> {
  const raw = (body ?? {}) as Record<string, unknown>;
  const reference = String(raw.reference ?? '').slice(0, 20);
  const parsed = FeedbackStatusRequest.safeParse({ reference, secret: String(raw.secret ?? '') });
  if (!parsed.success) {
    res.status(400);
    return statusForm(
      { reference },
      'Please check the reference number (FB- and eight characters) and the secret.',
    );
  }
  try {
    return viewHtml(await lookup.lookup(parsed.data, address));
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.code === 'rate_limited') {
      const retryAfter = err.body.retryAfter;
      if (retryAfter) res.set('Retry-After', String(retryAfter));
      res.status(429);
    } else res.status(404);
    return statusForm({ reference }, err.message);
  }
}
