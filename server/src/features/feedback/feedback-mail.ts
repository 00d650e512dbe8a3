import type { Queryable } from '../../infra/db.ts';
import type { AddressedMail } from '../access-codes/access-code-mail.ts';
import { escapeHtml, htmlPage } from '../mail/templates/layout.ts';

/**
 * The acknowledgement of feedback or a complaint, with its reference number. It quotes
 * nothing the sender wrote: the public form accepts any address, and a mail from the
 * school carrying a stranger's words would be a phishing relay.
 */
export async function composeFeedbackAck(q: Queryable, feedbackId: string): Promise<AddressedMail> {
  const { rows } = await q.query<{
    reference: string;
    kind: string;
    email: string | null;
    school_id: string | null;
    school_name: string | null;
  }>(
    `SELECT f.reference, f.kind, f.email, f.school_id, s.name AS school_name
       FROM feedback f LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school' WHERE f.id = $1`,
    [feedbackId],
  );
  const r = rows[0];
  if (!r?.email) return { to: null, schoolId: r?.school_id ?? null, mail: null };
  const who = r.school_name ?? 'the Confer team';
  const what = r.kind === 'complaint' ? 'complaint' : 'feedback';
  const subject = `We have received your ${what} (${r.reference})`;
  const text = [
    'Thank you for writing to us.',
    '',
    `Your ${what} has reached ${who}. Its reference number is ${r.reference}; please quote it if you write again about this.`,
    '',
    '--',
    'Sent by Confer.',
  ].join('\n');
  const html = htmlPage(
    subject,
    `<p>Thank you for writing to us.</p>
<p>Your ${what} has reached ${escapeHtml(who)}. Its reference number is <strong>${escapeHtml(r.reference)}</strong>; please quote it if you write again about this.</p>`,
    'Sent by Confer.',
  );
  return { to: r.email, schoolId: r.school_id, mail: { subject, text, html } };
}
