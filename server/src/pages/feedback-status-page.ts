import type { Response } from 'express';
import {
  COMPLAINT_ANSWER_SCHOOL_DAYS,
  COMPLAINT_STATUS_PATH,
  ICO_COMPLAINT_URL,
} from '../../../protocol/complaints-procedure.ts';
import { FeedbackStatusRequest, type FeedbackStatusView } from '../../../protocol/feedback-status.ts';
import { type FeedbackStatusLookup, SERVICE_OPERATOR } from '../features/feedback/feedback-status.ts';
import { answeredBy, feedbackStatusText } from '../features/feedback/feedback-words.ts';
import { localDay, localTime, messageHtml, rawHtml } from '../features/mail/templates/layout.ts';
import type { Translator } from '../i18n/translator.ts';
import { DomainError } from '../refusals/domain-error.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import { languageField, languageLinks, withLanguage } from './page-language.ts';

function linkTo(href: string) {
  return { link_start: rawHtml(`<a href="${escapeHtml(href)}">`), link_end: rawHtml('</a>') };
}

function footerLinks(t: Translator, first: [string, string]): string {
  const links: [string, string][] = [
    first,
    [withLanguage('/privacy', t), t.m.page_how_we_handle_data()],
    [withLanguage('/', t), t.m.page_back_to_booking()],
  ];
  return `<p class="note">${links.map(([href, text]) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`).join(' · ')}</p>`;
}

/** The form: reference and secret, sent by POST so the secret never sits in a URL. */
export function statusForm(t: Translator, values: { reference?: string }, error?: string): string {
  const m = t.m;
  return htmlDocument(
    m.page_status_title(),
    `${languageLinks(t, COMPLAINT_STATUS_PATH)}<h1>${escapeHtml(m.page_status_title())}</h1>
<p>${escapeHtml(m.page_status_intro())}</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${COMPLAINT_STATUS_PATH}">${languageField(t)}
<label for="reference">${escapeHtml(m.page_status_reference())}</label>
<input id="reference" name="reference" maxlength="20" required autocomplete="off" spellcheck="false" dir="ltr" value="${escapeHtml(values.reference ?? '')}">
<label for="secret">${escapeHtml(m.page_status_secret())}</label>
<input id="secret" name="secret" maxlength="64" required autocomplete="off" spellcheck="false" dir="ltr">
<button type="submit">${escapeHtml(m.page_status_show())}</button>
</form>
${footerLinks(t, [withLanguage('/feedback', t), m.page_write_to_us()])}`,
    '',
    t,
  );
}

function when(t: Translator, iso: string, zone: string): string {
  const d = new Date(iso);
  return t.m.page_day_at_time({ day: localDay(d, zone, t.tag), time: localTime(d, zone, t.tag) });
}

function viewHtml(t: Translator, v: FeedbackStatusView): string {
  const m = t.m;
  const heading =
    v.kind === 'complaint'
      ? m.page_status_heading_complaint({ reference: v.reference })
      : m.page_status_heading_feedback({ reference: v.reference });
  // The service's operator is named in the reader's words; a school by its name.
  const who = (name: string) => (name === SERVICE_OPERATOR ? answeredBy(t, null) : name);
  const replies = v.replies.length
    ? `<ol>${v.replies
        .map((r) => {
          const meta = r.statusTo
            ? m.page_status_reply_from_status({
                when: when(t, r.at, v.timeZone),
                from: who(r.from),
                status: feedbackStatusText(t, r.statusTo),
              })
            : m.page_status_reply_from({ when: when(t, r.at, v.timeZone), from: who(r.from) });
          return `<li><p class="note">${escapeHtml(meta)}</p><p style="white-space:pre-wrap">${escapeHtml(r.body)}</p></li>`;
        })
        .join('\n')}</ol>`
    : `<p>${escapeHtml(m.page_status_no_reply())}</p>`;
  return htmlDocument(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<table>
<tr><th scope="row">${escapeHtml(m.page_status_status())}</th><td data-status="${v.status}"><strong>${escapeHtml(feedbackStatusText(t, v.status))}</strong></td></tr>
<tr><th scope="row">${escapeHtml(m.page_status_answered_by())}</th><td>${escapeHtml(who(v.answeredBy))}</td></tr>
<tr><th scope="row">${escapeHtml(m.page_status_received())}</th><td>${escapeHtml(when(t, v.receivedAt, v.timeZone))}</td></tr>
<tr><th scope="row">${escapeHtml(m.page_status_last_change())}</th><td>${escapeHtml(when(t, v.updatedAt, v.timeZone))}</td></tr>
</table>
<h2>${escapeHtml(m.page_status_replies())}</h2>
${replies}
<h2>${escapeHtml(m.page_status_not_satisfied())}</h2>
<p>${messageHtml(m.page_status_not_satisfied_text, {
      count: COMPLAINT_ANSWER_SCHOOL_DAYS,
      reference: v.reference,
      ...linkTo(withLanguage('/feedback', t)),
      link: rawHtml(`<a href="${ICO_COMPLAINT_URL}">${ICO_COMPLAINT_URL}</a>`),
    })}</p>
${footerLinks(t, [withLanguage(COMPLAINT_STATUS_PATH, t), m.page_status_another()])}`,
    '',
    t,
  );
}

/** A refusal of the lookup in the reader's words (the service's message is English). */
function refusalText(t: Translator, err: DomainError): string {
  if (err.code === 'rate_limited') return t.m.page_status_too_many();
  if (err.code === 'not_found') return t.m.page_status_no_match();
  return err.message;
}

/**
 * The answer to the form: the status, or the form again with the one refusal for a
 * reference and secret that do not match (whichever of the two is wrong).
 */
export async function statusPage(
  t: Translator,
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
    return statusForm(t, { reference }, t.m.page_status_check());
  }
  try {
    return viewHtml(t, await lookup.lookup(parsed.data, address));
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    if (err.code === 'rate_limited') {
      const retryAfter = err.body.retryAfter;
      if (retryAfter) res.set('Retry-After', String(retryAfter));
      res.status(429);
    } else res.status(404);
    return statusForm(t, { reference }, refusalText(t, err));
  }
}
