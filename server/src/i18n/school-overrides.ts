/**
 * A school's own words for one language (`school_message_overrides`), as the message layer
 * lays them over the translation. Mail is written in bursts (a confirmation per booking, a
 * batch of letters), so a school's overrides are kept for a short while per process instead
 * of read per mail; an admin's change reaches this process at once (forgetSchoolOverrides)
 * and the workers within OVERRIDES_TTL_MS.
 */
import type { Overrides } from '../../../i18n/message-proxy.ts';
import { isLocale, type Locale } from '../../../protocol/locales.ts';
import type { Queryable } from '../infra/db.ts';

export const OVERRIDES_TTL_MS = 60_000;

const cache = new Map<string, { at: number; overrides: Promise<Overrides> }>();

export async function readSchoolOverrides(
  db: Queryable,
  schoolId: string,
  locale: Locale,
): Promise<Overrides> {
  const { rows } = await db.query<{ message_key: string; text: string }>(
    'SELECT message_key, text FROM school_message_overrides WHERE school_id = $1 AND locale = $2',
    [schoolId, locale],
  );
  return Object.fromEntries(rows.map((r) => [r.message_key, r.text]));
}

/** The school's overrides for `language` (none for a language we do not offer), cached briefly. */
export function schoolOverrides(
  db: Queryable,
  schoolId: string,
  language: string | null | undefined,
  now: number = Date.now(),
): Promise<Overrides> {
  const locale: Locale = isLocale(language) ? language : 'en';
  const key = `${schoolId}:${locale}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < OVERRIDES_TTL_MS) return hit.overrides;
  const overrides = readSchoolOverrides(db, schoolId, locale);
  cache.set(key, { at: now, overrides });
  // A failed read is not kept: the next mail asks again.
  overrides.catch(() => {
    if (cache.get(key)?.overrides === overrides) cache.delete(key);
  });
  return overrides;
}

/** After an admin's change in this process: the next mail reads the school's words again. */
export function forgetSchoolOverrides(schoolId: string, locale: Locale): void {
  cache.delete(`${schoolId}:${locale}`);
}
