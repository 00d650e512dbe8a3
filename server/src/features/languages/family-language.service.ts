import type { FamilyLanguage } from '../../../../protocol/languages.ts';
import type { Locale } from '../../../../protocol/locales.ts';
import type { Queryable } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { authorize } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';

export interface LanguageChange extends FamilyLanguage {
  before: Locale | null;
}

/**
 * The language a family reads Confer in (`families.language`): the family's own choice, or
 * its school's (an admin, or the MIS import). Its mail and calendar files are written in it.
 */
export class FamilyLanguageService {
  constructor(private readonly db: Queryable) {}

  /** The signed-in family's own choice. */
  async setOwn(p: Principal, language: Locale): Promise<LanguageChange> {
    if (p.kind !== 'family') throw new DomainError('forbidden', 'Only a family chooses its own language.');
    return this.write(p, p.familyId, language);
  }

  /** An admin sets it for a family of the school; null: the school does not know it. */
  async setForFamily(p: Principal, familyId: string, language: Locale | null): Promise<LanguageChange> {
    authorize(p, { kind: 'admin' });
    return this.write(p, familyId, language);
  }

  /** The language before and after, for the record. */
  private async write(p: Principal, familyId: string, language: Locale | null): Promise<LanguageChange> {
    // Another school's family answers like one that does not exist; an erased one has no language.
    const { rows } = await this.db.query<{ language: Locale | null; before: Locale | null }>(
      `WITH old AS (
         SELECT id, language FROM families
          WHERE id = $1 AND school_id = $2 AND erased_at IS NULL FOR UPDATE)
       UPDATE families f SET language = $3 FROM old WHERE f.id = old.id
       RETURNING f.language, old.language AS before`,
      [familyId, p.schoolId, language],
    );
    if (!rows[0]) throw new DomainError('not_found', 'No such family.');
    return { language: rows[0].language, before: rows[0].before };
  }
}
