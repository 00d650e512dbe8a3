import { translatorForLanguage } from '../../i18n/family-translator.ts';
import type { Queryable } from '../../infra/db.ts';
import { unseal } from '../../infra/sealed-secret.ts';
import { type ComposedMail, escapeHtml, htmlPage, messageHtml, rawHtml } from '../mail/templates/layout.ts';

export interface AddressedMail {
  to: string | null;
  schoolId: string | null;
  mail: ComposedMail | null;
  /** Forgets the sealed code once the mail is out: nothing keeps it after that. */
  afterSent?: () => Promise<void>;
}

/**
 * A family's access code by e-mail, in the family's language. The job names the mail (`mailId`), never the code:
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
    language: string | null;
    school_id: string;
    name: string;
    code: string;
    sealed: string;
  }>(
    `SELECT f.surname, f.email, f.language, f.school_id, s.name, s.code, f.access_code_sealed AS sealed
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
  const t = await translatorForLanguage(q, r.school_id, r.language);
  const school = r.name;
  const subject = t.m.mail_code_subject({ school });
  const fields: [string, string][] = [
    [t.m.mail_code_school_code(), r.code],
    [t.m.mail_code_surname(), r.surname],
    [t.m.mail_code_access_code(), accessCode],
  ];
  // The values line up under each other in the plain text, whatever the labels' lengths.
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  const dear = t.m.mail_dear_family({ surname: r.surname });
  const keep = t.m.mail_code_keep_private();
  const footer = t.m.mail_code_footer({ school });
  const lines = [
    dear,
    '',
    t.m.mail_code_intro({ school, url }),
    '',
    ...fields.map(([label, value]) => `  ${`${label}:`.padEnd(width)} ${value}`),
    '',
    keep,
    '',
    '--',
    footer,
  ];
  const cell = 'font-family:monospace;font-size:18px';
  const gap = t.dir === 'rtl' ? 'padding:4px 0 4px 12px' : 'padding:4px 12px 4px 0';
  const html = htmlPage(
    subject,
    `<p>${escapeHtml(dear)}</p>
<p>${messageHtml(t.m.mail_code_intro, { school, url: rawHtml(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`) })}</p>
<table style="border-collapse:collapse">${fields
      .map(
        ([label, value]) =>
          `<tr><td style="${gap}">${escapeHtml(label)}</td><td style="${cell}" dir="ltr">${escapeHtml(value)}</td></tr>`,
      )
      .join('\n')}</table>
<p>${escapeHtml(keep)}</p>`,
    escapeHtml(footer),
    t,
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
