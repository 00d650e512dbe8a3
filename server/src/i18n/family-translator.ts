/**
 * A family's translator for what it reads outside the app (mail, calendar files, pages): its
 * language (English when not known) with its school's own words laid over it.
 */
import type { Queryable } from '../infra/db.ts';
import { schoolOverrides } from './school-overrides.ts';
import { type Translator, translatorFor } from './translator.ts';

/** For a family by id; English without overrides when there is no such family. */
export async function translatorForFamily(db: Queryable, familyId: string): Promise<Translator> {
  const { rows } = await db.query<{ school_id: string; language: string | null }>(
    'SELECT school_id, language FROM families WHERE id = $1',
    [familyId],
  );
  const family = rows[0];
  if (!family) return translatorFor(null);
  return translatorForLanguage(db, family.school_id, family.language);
}

/**
 * For a query that already read the family's language and school (a mail job's batch):
 * no further read of the family, and the school's overrides from the short cache.
 */
export async function translatorForLanguage(
  db: Queryable,
  schoolId: string,
  language: string | null | undefined,
): Promise<Translator> {
  return translatorFor(language, await schoolOverrides(db, schoolId, language));
}
