/**
 * A family's language once signed in: the record (the family's earlier choice, or the school's
 * import) decides unless the family chose one in this tab; a choice in this tab that the record
 * does not have yet is saved, so the family's mail follows it. The school's own words for the
 * language on screen are laid over it.
 */
import type { MessageOverrides } from '../../../../protocol/languages.ts';
import { isLocale, type Locale } from '../../../../protocol/locales.ts';
import type { ApiClient } from '../api.ts';
import { type ScreenLocale, useOverrides } from './messages.svelte.ts';

export interface SignInLanguage {
  /** The language to show now, or null to keep the one on screen. */
  show: Locale | null;
  /** The language to save on the family's record, or null to leave it. */
  save: Locale | null;
}

export function languageOnSignIn(chosenInTab: ScreenLocale | null, onRecord: Locale | null): SignInLanguage {
  if (chosenInTab === null) return { show: onRecord, save: null };
  // The pseudo-locale is for tests: shown, never saved.
  if (!isLocale(chosenInTab) || chosenInTab === onRecord) return { show: null, save: null };
  return { show: null, save: chosenInTab };
}

/** Fetches the school's overrides for `locale` and lays them over it if it is still on screen. */
export async function loadSchoolWords(api: ApiClient, locale: ScreenLocale): Promise<void> {
  if (!isLocale(locale)) return;
  const res = await api.get<MessageOverrides>(`/messages/overrides?locale=${locale}`);
  // Without them the family reads the translation: nothing worth interrupting anyone for.
  if (res.ok) useOverrides(locale, res.data.overrides);
}
