import type { FeedbackStatus } from '../../../../protocol/schools.ts';
import { translatorFor } from '../../i18n/translator.ts';
import type { Queryable } from '../../infra/db.ts';
import { unseal } from '../../infra/sealed-secret.ts';
import type { AddressedMail } from '../access-codes/access-code-mail.ts';
import {
  escapeHtml,
  htmlPage,
  localDay,
  messageHtml,
  paragraphsHtml,
  rawHtml,
} from '../mail/templates/layout.ts';
import { answeredBy, feedbackStatusText } from './feedback-words.ts';

function statusPage(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}/feedback/status`;
}

function link(url: string) {
  return rawHtml(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`);
}

/**
 * The acknowledgement of feedback or a complaint, with its reference number and the
 * secret that opens its status page. It quotes nothing the sender wrote: the public
 * form accepts any address, and a mail from the school carrying a stranger's words
 * would be a phishing relay. The secret waits sealed in the row until this mail is
 * sent, and is dropped then.
 */
export async function composeFeedbackAck(
  q: Queryable,
  feedbackId: string,
  sealKey: Buffer,
  publicUrl: string,
): Promise<AddressedMail> {
  const { rows } = await q.query<{
    reference: string;
    kind: string;
    email: string | null;
    school_id: string | null;
    school_name: string | null;
    secret_sealed: string | null;
    language: string | null;
  }>(
    `SELECT f.reference, f.kind, f.email, f.school_id, s.name AS school_name, f.secret_sealed, f.language
       FROM feedback f LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school' WHERE f.id = $1`,
    [feedbackId],
  );
  const r = rows[0];
  if (!r?.email) return { to: null, schoolId: r?.school_id ?? null, mail: null };
  // Sealed under another SERVER_SECRET (or already sent): the mail goes without it.
  const secret = r.secret_sealed ? unseal(sealKey, r.secret_sealed, feedbackId) : null;
  // The sender's language: the one the form was shown in (the sender need not be a family
  // of any school); not known (sent before it was recorded): English.
  const t = translatorFor(r.language);
  const who = answeredBy(t, r.school_name);
  const complaint = r.kind === 'complaint';
  const url = statusPage(publicUrl);
  const reference = r.reference;
  const subject = complaint
    ? t.m.mail_feedback_subject_complaint({ reference })
    : t.m.mail_feedback_subject_feedback({ reference });
  const reached = complaint ? t.m.mail_feedback_reached_complaint : t.m.mail_feedback_reached_feedback;
  const thanks = t.m.mail_feedback_thanks();
  const keep = t.m.mail_feedback_keep_secret();
  const footer = t.m.mail_feedback_footer();
  const text = [
    thanks,
    '',
    reached({ who, reference }),
    '',
    ...(secret ? [t.m.mail_feedback_follow({ url }), '', `  ${secret}`, '', keep, ''] : []),
    '--',
    footer,
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>${escapeHtml(thanks)}</p>
<p>${messageHtml(reached, { who, reference: rawHtml(`<strong>${escapeHtml(reference)}</strong>`) })}</p>${
      secret
        ? `
<p>${messageHtml(t.m.mail_feedback_follow, { url: link(url) })}</p>
<p style="font-family:monospace;font-size:18px" dir="ltr">${escapeHtml(secret)}</p>
<p>${escapeHtml(keep)}</p>`
        : ''
    }`,
    escapeHtml(footer),
    t,
  );
  return {
    to: r.email,
    schoolId: r.school_id,
    mail: { subject, text, html },
    afterSent: async () => {
      await q.query('UPDATE feedback SET secret_sealed = NULL WHERE id = $1', [feedbackId]);
    },
  };
}

/**
 * One reply of the school's staff or the operator, to the address the sender gave.
 * The reply's words are the answerer's; of the sender's it quotes nothing (see the
 * acknowledgement), not even the subject.
 */
export async function composeFeedbackReply(
  q: Queryable,
  feedbackId: string,
  replyId: string,
  publicUrl: string,
): Promise<AddressedMail> {
  const { rows } = await q.query<{
    reference: string;
    kind: string;
    email: string | null;
    school_id: string | null;
    school_name: string | null;
    time_zone: string | null;
    body: string;
    at: Date;
    status: FeedbackStatus;
    language: string | null;
  }>(
    `SELECT f.reference, f.kind, f.email, f.school_id, s.name AS school_name, s.time_zone, r.body, r.at, f.status,
            f.language
       FROM feedback f
       JOIN feedback_replies r ON r.feedback_id = f.id AND r.id = $2::bigint
       LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school'
      WHERE f.id = $1`,
    [feedbackId, replyId],
  );
  const r = rows[0];
  if (!r?.email) return { to: null, schoolId: r?.school_id ?? null, mail: null };
  // As the acknowledgement: the language the form was shown in.
  const t = translatorFor(r.language);
  const who = answeredBy(t, r.school_name);
  const complaint = r.kind === 'complaint';
  const url = statusPage(publicUrl);
  const reference = r.reference;
  // The state as of sending: a later reply may have moved it on since this one.
  const status = feedbackStatusText(t, r.status);
  const subject = complaint
    ? t.m.mail_feedback_reply_subject_complaint({ reference })
    : t.m.mail_feedback_reply_subject_feedback({ reference });
  const day = localDay(r.at, r.time_zone ?? 'Europe/London', t.tag);
  const replied = complaint ? t.m.mail_feedback_replied_complaint : t.m.mail_feedback_replied_feedback;
  const footer = t.m.mail_feedback_footer();
  const text = [
    replied({ who, reference, day }),
    '',
    r.body,
    '',
    t.m.mail_feedback_status_now({ status }),
    t.m.mail_feedback_follow_reply({ url }),
    '',
    '--',
    footer,
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>${messageHtml(replied, { who, day, reference: rawHtml(`<strong>${escapeHtml(reference)}</strong>`) })}</p>
<blockquote dir="auto" style="${t.dir === 'rtl' ? 'border-right:4px solid #ddd;margin:12px 0;padding-right:12px' : 'border-left:4px solid #ddd;margin:12px 0;padding-left:12px'}">${paragraphsHtml(r.body)}</blockquote>
<p>${messageHtml(t.m.mail_feedback_status_now, { status: rawHtml(`<strong>${escapeHtml(status)}</strong>`) })}</p>
<p>${messageHtml(t.m.mail_feedback_follow_reply, { url: link(url) })}</p>`,
    escapeHtml(footer),
    t,
  );
  return { to: r.email, schoolId: r.school_id, mail: { subject, text, html } };
}
