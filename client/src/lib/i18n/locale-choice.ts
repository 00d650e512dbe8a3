/**
 * Which language a tab starts in. A family's choice is remembered for the tab only
 * (sessionStorage: no cookie, gone when the tab closes) and saved on the family's record once
 * signed in, where the school's import may have put the home language already.
 */
import { baseLocale, isLocale, type Locale } from '../../../../protocol/locales.ts';
import { isScreenLocale, type ScreenLocale } from './messages.svelte.ts';

const KEY = 'confer.language';

export function chosenLocale(): ScreenLocale | null {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (isScreenLocale(fromUrl)) return fromUrl;
  try {
    const stored = sessionStorage.getItem(KEY);
    if (isScreenLocale(stored)) return stored;
  } catch {
    // Storage refused (private mode): the choice lasts as long as the page.
  }
  return null;
}

export function rememberLocale(locale: ScreenLocale): void {
  try {
    sessionStorage.setItem(KEY, locale);
  } catch {
    // As above: not remembered, still shown.
  }
}

/** The browser's first language we have, by its primary subtag ("pl-PL" → pl). */
export function browserLocale(languages: readonly string[] = navigator.languages ?? []): Locale {
  for (const tag of languages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return baseLocale;
}
