import type { Queryable } from '../../infra/db.ts';

/**
 * What "anonymised" means for a family or a child, for both ways a person leaves:
 * erasure on request (records/family-erasure.ts) and the retention purge
 * (retention.service.ts). The rows stay, so bookings keep pointing somewhere and the
 * school's counts stay right; nothing in them reaches a person any more.
 */

/**
 * Every column of `families` that names or reaches a person: names, address, the school's
 * reference, the code (digest and sealed copy), and the language the family reads (it says
 * something about the family, and nothing is sent to an erased family in any language), and the
 * language it needs an interpreter for (the same, and more: it can say where a family is from).
 */
export const ANONYMOUS_FAMILY_SET = `surname = 'Erased family', email = NULL, external_id = NULL,
  access_code_hash = NULL, access_code_sealed = NULL, access_code_mail_id = NULL, language = NULL,
  interpreter_language = NULL,
  erased_at = coalesce(erased_at, now())`;

/** Every column of `students` that names a child; the year group stays for counts. */
export const ANONYMOUS_STUDENT_SET = `first_name = 'Student', surname = upper(left(id::text, 8)), external_id = NULL`;

/**
 * What else reaches the people: the addresses in the sent-mail log (mail to them is
 * long sent) and their stored answers of retried writes (they carry names).
 */
export async function forgetFamiliesTraces(
  c: Queryable,
  schoolId: string,
  families: { id: string; email: string | null }[],
): Promise<void> {
  if (families.length === 0) return;
  const emails = families.flatMap((f) => (f.email ? [f.email] : []));
  if (emails.length)
    await c.query(
      'UPDATE email_log SET recipient = NULL WHERE school_id = $1 AND recipient = ANY($2::text[])',
      [schoolId, emails],
    );
  await c.query('DELETE FROM idempotency_keys WHERE principal = ANY($1::text[])', [
    families.map((f) => `family:${f.id}`),
  ]);
}
