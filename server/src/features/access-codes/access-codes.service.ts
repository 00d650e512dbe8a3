import type { AccessCodesRequest } from '../../../../protocol/schools.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import type { Principal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/session-store.ts';
import { accessCodeDigest, newAccessCode } from '../auth/tokens.ts';
import { DomainError } from '../domain-error.ts';

export interface IssuedCode {
  familyId: string;
  surname: string;
  email: string | null;
  accessCode: string;
}

/**
 * Family access codes. Only a digest is stored, so a code can be shown once — when
 * it is made: printing letters or mailing codes always issues new ones, and the old
 * code of those families stops working in the same transaction.
 */
export class AccessCodesService {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionStore,
    private readonly sessionsEnded: (ids: string[]) => void,
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
        has_code: boolean;
      }>(
        `SELECT id, surname, email, access_code_hash IS NOT NULL AS has_code FROM families
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
      const issued = targets.map((r) => ({
        familyId: r.id,
        surname: r.surname,
        email: r.email,
        accessCode: newAccessCode(),
      }));
      if (issued.length)
        await c.query(
          `UPDATE families f SET access_code_hash = v.hash
             FROM unnest($1::uuid[], $2::text[]) AS v(id, hash) WHERE f.id = v.id`,
          [issued.map((i) => i.familyId), issued.map((i) => accessCodeDigest(i.accessCode))],
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
