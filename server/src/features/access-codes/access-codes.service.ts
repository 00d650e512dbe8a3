import { randomUUID } from 'node:crypto';
import type { AccessCodesRequest } from '../../../../protocol/schools.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import { seal } from '../../infra/sealed-secret.ts';
import type { ServerKeys } from '../../infra/server-keys.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { accessCodeDigest, newAccessCode } from '../auth/tokens.ts';

export interface IssuedCode {
  familyId: string;
  surname: string;
  email: string | null;
  /** The family's language (families.language): its letter is written in it. */
  language: string | null;
  accessCode: string;
  /** Names the mail that carries this code (its sealed copy waits in the family's row); null when not mailed. */
  mailId: string | null;
}

/**
 * Family access codes. Only a keyed digest is stored, so a code can be shown once —
 * when it is made: printing letters or mailing codes always issues new ones, and the
 * old code of those families stops working in the same transaction. A code to be
 * mailed is also kept sealed (key from SERVER_SECRET) until its mail is sent, so the
 * e-mail job in Redis carries only ids (access-code-mail.ts).
 */
export class AccessCodesService {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionStore,
    private readonly sessionsEnded: (ids: string[]) => void,
    private readonly keys: ServerKeys,
  ) {}

  async issue(
    p: Principal,
    input: AccessCodesRequest,
    filter: { withEmailOnly?: boolean } = {},
  ): Promise<{ issued: IssuedCode[]; skippedNoEmail: { familyId: string; surname: string }[] }> {
    const result = await inTransaction(this.db, async (c) => {
      const { rows } = await c.query<{
        id: string;
        surname: string;
        email: string | null;
        language: string | null;
        has_code: boolean;
      }>(
        `SELECT id, surname, email, language, access_code_hash IS NOT NULL AS has_code FROM families
          WHERE school_id = $1 AND erased_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
          ORDER BY surname, id FOR UPDATE`,
        [p.schoolId, input.familyIds ?? null],
      );
      // Asking for a family of another school (or none) is the same as asking for one that does not exist.
      if (input.familyIds && rows.length !== new Set(input.familyIds).size)
        throw new DomainError('not_found');
      const chosen = rows.filter((r) => !(input.onlyWithoutCode && r.has_code));
      const skippedNoEmail = filter.withEmailOnly
        ? chosen.filter((r) => !r.email).map((r) => ({ familyId: r.id, surname: r.surname }))
        : [];
      const targets = filter.withEmailOnly ? chosen.filter((r) => r.email) : chosen;
      const issued: IssuedCode[] = targets.map((r) => ({
        familyId: r.id,
        surname: r.surname,
        email: r.email,
        language: r.language,
        accessCode: newAccessCode(),
        mailId: filter.withEmailOnly ? randomUUID() : null,
      }));
      // A code not meant for a mail clears any sealed one still waiting: that mail
      // would carry a code that no longer works.
      if (issued.length)
        await c.query(
          `UPDATE families f SET access_code_hash = v.hash, access_code_sealed = v.sealed, access_code_mail_id = v.mail_id
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS v(id, hash, sealed, mail_id)
            WHERE f.id = v.id`,
          [
            issued.map((i) => i.familyId),
            issued.map((i) => accessCodeDigest(this.keys.accessCode, i.accessCode)),
            issued.map((i) => (i.mailId ? seal(this.keys.mailSeal, i.accessCode, i.mailId) : null)),
            issued.map((i) => i.mailId),
          ],
        );
      return { issued, replaced: targets.filter((r) => r.has_code).map((r) => r.id), skippedNoEmail };
    });
    // A replaced code may have been lost or leaked: whoever signed in with it is signed out.
    for (const familyId of result.replaced) {
      this.sessionsEnded(await this.sessions.revokeAllOf({ familyId }, 'access_code_replaced'));
    }
    return { issued: result.issued, skippedNoEmail: result.skippedNoEmail };
  }

  async schoolName(p: Principal): Promise<{ name: string; code: string }> {
    const { rows } = await this.db.query<{ name: string; code: string }>(
      'SELECT name, code FROM schools WHERE id = $1',
      [p.schoolId],
    );
    return rows[0]!;
  }
}
