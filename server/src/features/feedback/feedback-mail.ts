import { FEEDBACK_STATUS_WORDS } from '../../../../protocol/feedback-status.ts';
import type { FeedbackStatus } from '../../../../protocol/schools.ts';
import type { Queryable } from '../../infra/db.ts';
import { unseal } from '../../infra/sealed-secret.ts';
import type { AddressedMail } from '../access-codes/access-code-mail.ts';
import { escapeHtml, htmlPage, localDay, paragraphsHtml } from '../mail/templates/layout.ts';
import { SERVICE_OPERATOR } from './feedback-status.ts';

function statusPage(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}/feedback/status`;
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
  }>(
    `SELECT f.reference, f.kind, f.email, f.school_id, s.name AS school_name, f.secret_sealed
       FROM feedback f LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school' WHERE f.id = $1`,
    [feedbackId],
  );
  const r = rows[0];
  if (!r?.email) return { to: null, schoolId: r?.school_id ?? null, mail: null };
  // Sealed under another SERVER_SECRET (or already sent): the mail goes without it.
  const secret = r.secret_sealed ? unseal(sealKey, r.secret_sealed, feedbackId) : null;
  const who = r.school_name ?? SERVICE_OPERATOR;
  const what = r.kind === 'complaint' ? 'complaint' : 'feedback';
  const url = statusPage(publicUrl);
  const subject = `We have received your ${what} (${r.reference})`;
  const text = [
    'Thank you for writing to us.',
    '',
    `Your ${what} has reached ${who}. Its reference number is ${r.reference}; please quote it if you write again about this.`,
    '',
    ...(secret
      ? [
          `Replies come to this address. You can also follow the status at ${url} with the reference and this secret:`,
          '',
          `  ${secret}`,
          '',
          'Keep the secret private: with the reference, it shows the replies.',
          '',
        ]
      : []),
    '--',
    'Sent by Confer.',
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>Thank you for writing to us.</p>
<p>Your ${what} has reached ${escapeHtml(who)}. Its reference number is <strong>${escapeHtml(r.reference)}</strong>; please quote it if you write again about this.</p>${
      secret
        ? `
<p>Replies come to this address. You can also follow the status at <a href="${escapeHtml(url)}">${escapeHtml(url)}</a> with the reference and this secret:</p>
<p style="font-family:monospace;font-size:18px">${escapeHtml(secret)}</p>
<p>Keep the secret private: with the reference, it shows the replies.</p>`
        : ''
    }`,
    'Sent by Confer.',
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
  }>(
    `SELECT f.reference, f.kind, f.email, f.school_id, s.name AS school_name, s.time_zone, r.body, r.at, f.status
       FROM feedback f
       JOIN feedback_replies r ON r.feedback_id = f.id AND r.id = $2::bigint
       LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school'
      WHERE f.id = $1`,
    [feedbackId, replyId],
  );
  const r = rows[0];
  if (!r?.email) return { to: null, schoolId: r?.school_id ?? null, mail: null };
  const who = r.school_name ?? SERVICE_OPERATOR;
  const what = r.kind === 'complaint' ? 'complaint' : 'feedback';
  const url = statusPage(publicUrl);
  // The state as of sending: a later reply may have moved it on since this one.
  const status = FEEDBACK_STATUS_WORDS[r.status];
  const subject = `Reply to your ${what} (${r.reference})`;
  const day = localDay(r.at, r.time_zone ?? 'Europe/London');
  const text = [
    `${who} replied to your ${what} ${r.reference} on ${day}:`,
    '',
    r.body,
    '',
    `Status now: ${status}.`,
    `Follow it at ${url} with the reference and the secret from our acknowledgement.`,
    '',
    '--',
    'Sent by Confer.',
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>${escapeHtml(who)} replied to your ${what} <strong>${escapeHtml(r.reference)}</strong> on ${escapeHtml(day)}:</p>
<blockquote style="border-left:4px solid #ddd;margin:12px 0;padding-left:12px">${paragraphsHtml(r.body)}</blockquote>
<p>Status now: <strong>${escapeHtml(status)}</strong>.</p>
<p>Follow it at <a href="${escapeHtml(url)}">${escapeHtml(url)}</a> with the reference and the secret from our acknowledgement.</p>`,
    'Sent by Confer.',
  );
  return { to: r.email, schoolId: r.school_id, mail: { subject, text, html } };
}
