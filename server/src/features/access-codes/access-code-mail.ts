import type { Queryable } from '../../infra/db.ts';
import { unseal } from '../../infra/sealed-secret.ts';
import { type ComposedMail, escapeHtml, htmlPage } from '../mail/templates/layout.ts';

export interface AddressedMail {
  to: string | null;
  schoolId: string | null;
  mail: ComposedMail | null;
  /** Forgets the sealed code once the mail is out: nothing keeps it after that. */
  afterSent?: () => Promise<void>;
}

/**
 * A family's access code by e-mail. The job names the mail (`mailId`), never the code:
 * the code waits sealed in the family's row (access-codes.service.ts) and is opened
 * here, at send time. Sent only while that mail's code is still the family's current
 * one: a code replaced again before the mail went out is not sent.
 */
export async function composeAccessCodeMail(
  q: Queryable,
  familyId: string,
  mailId: string,
  sealKey: Buffer,
  publicUrl: string,
): Promise<AddressedMail> {
  const { rows } = await q.query<{
    surname: string;
    email: string | null;
    school_id: string;
    name: string;
    code: string;
    sealed: string;
  }>(
    `SELECT f.surname, f.email, f.school_id, s.name, s.code, f.access_code_sealed AS sealed
       FROM families f JOIN schools s ON s.id = f.school_id
      WHERE f.id = $1 AND f.access_code_mail_id = $2 AND f.access_code_sealed IS NOT NULL
        AND f.erased_at IS NULL`,
    [familyId, mailId],
  );
  const r = rows[0];
  // Sealed under another SERVER_SECRET: the code cannot be read, and no mail is better than a wrong one.
  const accessCode = r ? unseal(sealKey, r.sealed, mailId) : null;
  if (!r || !accessCode) return { to: null, schoolId: null, mail: null };
  const url = publicUrl.replace(/\/$/, '');
  const subject = `Your access code for parents' evening bookings at ${r.name}`;
  const lines = [
    `Dear ${r.surname} family,`,
    '',
    `${r.name} uses Confer to book parents' evening appointments. Sign in at ${url} with:`,
    '',
    `  School code: ${r.code}`,
    `  Surname:     ${r.surname}`,
    `  Access code: ${accessCode}`,
    '',
    'Keep this code private: anyone with it can book or cancel your appointments. Any earlier code no longer works.',
    '',
    '--',
    `Sent by Confer for ${r.name}.`,
  ];
  const html = htmlPage(
    subject,
    `<p>Dear ${escapeHtml(r.surname)} family,</p>
<p>${escapeHtml(r.name)} uses Confer to book parents' evening appointments. Sign in at <a href="${escapeHtml(url)}">${escapeHtml(url)}</a> with:</p>
<table style="border-collapse:collapse"><tr><td style="padding:4px 12px 4px 0">School code</td><td style="font-family:monospace;font-size:18px">${escapeHtml(r.code)}</td></tr>
<tr><td style="padding:4px 12px 4px 0">Surname</td><td style="font-family:monospace;font-size:18px">${escapeHtml(r.surname)}</td></tr>
<tr><td style="padding:4px 12px 4px 0">Access code</td><td style="font-family:monospace;font-size:18px">${escapeHtml(accessCode)}</td></tr></table>
<p>Keep this code private: anyone with it can book or cancel your appointments. Any earlier code no longer works.</p>`,
    escapeHtml(`Sent by Confer for ${r.name}.`),
  );
  return {
    to: r.email,
    schoolId: r.school_id,
    mail: { subject, text: lines.join('\n'), html },
    afterSent: async () => {
      await q.query(
        `UPDATE families SET access_code_sealed = NULL, access_code_mail_id = NULL
          WHERE id = $1 AND access_code_mail_id = $2`,
        [familyId, mailId],
      );
    },
  };
}
