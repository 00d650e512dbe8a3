import type { AdminMessages, MessageOverride, MessageOverrides } from '../../../../protocol/languages.ts';
import type { Locale } from '../../../../protocol/locales.ts';
import { checkOverride, overridableMessages } from '../../i18n/overridable-messages.ts';
import { forgetSchoolOverrides, readSchoolOverrides } from '../../i18n/school-overrides.ts';
import type { Queryable } from '../../infra/db.ts';
import { authorize } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';

/**
 * A school's own words for its families (`school_message_overrides`): one text per message
 * and language, in place of the translation. Only the school's admins write them; every
 * signed-in family and member of staff of the school may read them (they are the school's
 * wording, no one's personal data).
 */
export class MessageOverridesService {
  constructor(private readonly db: Queryable) {}

  /** Every message an admin may override, with its English and the school's text in `locale`. */
  async list(p: Principal, locale: Locale): Promise<AdminMessages> {
    authorize(p, { kind: 'admin' });
    const { rows } = await this.db.query<{ message_key: string; text: string; updated_at: Date }>(
      'SELECT message_key, text, updated_at FROM school_message_overrides WHERE school_id = $1 AND locale = $2',
      [p.schoolId, locale],
    );
    const own = new Map(rows.map((r) => [r.message_key, r]));
    return {
      locale,
      messages: overridableMessages().map((m) => ({
        key: m.key,
        english: m.english,
        placeholders: [...m.placeholders],
        override: own.get(m.key)?.text ?? null,
        updatedAt: own.get(m.key)?.updated_at.toISOString() ?? null,
      })),
    };
  }

  /** Sets the school's text; refused, with nothing written, for a key or a placeholder the English lacks. */
  async set(p: Principal, locale: Locale, key: string, text: string): Promise<OverrideChange> {
    authorize(p, { kind: 'admin' });
    checkOverride(key, text);
    const { rows } = await this.db.query<{ before: string | null }>(
      `WITH old AS (
         SELECT text FROM school_message_overrides WHERE school_id = $1 AND locale = $2 AND message_key = $3)
       INSERT INTO school_message_overrides (school_id, locale, message_key, text)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (school_id, locale, message_key) DO UPDATE SET text = EXCLUDED.text, updated_at = now()
       RETURNING (SELECT text FROM old) AS before`,
      [p.schoolId, locale, key, text],
    );
    forgetSchoolOverrides(p.schoolId, locale);
    return { locale, key, text, before: rows[0]?.before ?? null };
  }

  /** Clears it: families see the translation (or English) again. Clearing one not set is no error. */
  async clear(p: Principal, locale: Locale, key: string): Promise<OverrideChange> {
    authorize(p, { kind: 'admin' });
    const { rows } = await this.db.query<{ text: string }>(
      `DELETE FROM school_message_overrides WHERE school_id = $1 AND locale = $2 AND message_key = $3
       RETURNING text`,
      [p.schoolId, locale, key],
    );
    forgetSchoolOverrides(p.schoolId, locale);
    return { locale, key, text: null, before: rows[0]?.text ?? null };
  }

  /** The school's texts for `locale`, as the family's screens lay them over their language. */
  async forSchool(p: Principal, locale: Locale): Promise<MessageOverrides> {
    return { locale, overrides: { ...(await readSchoolOverrides(this.db, p.schoolId, locale)) } };
  }
}

export interface OverrideChange extends MessageOverride {
  before: string | null;
}
