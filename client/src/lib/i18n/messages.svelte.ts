/// <reference types="vite/client" />
/**
 * The client's message layer: `m.key(inputs)` gives the text in the family's language.
 * The family screens' English is in the first download (it is the fallback for any missing
 * translation); another language is one more chunk, loaded when chosen, so the parent's initial
 * JavaScript does not grow with the number of languages. The staff screens' messages (English
 * only, i18n/parts.ts) are a chunk of their own, loaded before a staff screen opens
 * (loadStaffMessages). Reading `m` in markup is reactive: changing the language re-renders every
 * text without a reload.
 */

import { type MessageFunctions, messageProxy, type Overrides } from '../../../../i18n/message-proxy.ts';
import * as en from '../../../../i18n/paraglide/family/messages/en.js';
import type * as staffEn from '../../../../i18n/paraglide/staff/messages/en.js';
import { directionOf, isLocale, type Locale } from '../../../../protocol/locales.ts';

export type Messages = MessageFunctions<typeof en & typeof staffEn>;
/** A language a screen can be shown in: a family's language, or the pseudo-locale for testing. */
export type ScreenLocale = Locale | typeof PSEUDO_LOCALE;
export const PSEUDO_LOCALE = 'en-XA';

const modules = import.meta.glob<typeof en>([
  '../../../../i18n/paraglide/family/messages/*.js',
  '!**/_index.js',
]);
function loaderFor(locale: ScreenLocale): (() => Promise<typeof en>) | undefined {
  const entry = Object.entries(modules).find(([file]) => file.endsWith(`/${locale}.js`));
  return entry?.[1];
}

let active = $state.raw<{ locale: ScreenLocale; dict: object; overrides: Overrides }>({
  locale: 'en',
  dict: en,
  overrides: {},
});

// English under every language: the family part at once, the staff part once loaded.
const english: Record<string, unknown> = { ...en };
export const m: Messages = messageProxy(() => active, english as typeof en & typeof staffEn);

let staffLoaded: Promise<void> | null = null;
/** The staff screens' messages (English): awaited before a staff or operator screen renders. */
export function loadStaffMessages(): Promise<void> {
  staffLoaded ??= import('../../../../i18n/paraglide/staff/messages/en.js').then((mod) => {
    Object.assign(english, mod);
  });
  return staffLoaded;
}

export function isScreenLocale(value: unknown): value is ScreenLocale {
  return isLocale(value) || value === PSEUDO_LOCALE;
}

/** The language on screen now (reactive). */
export function screenLocale(): ScreenLocale {
  return active.locale;
}

/** The locale Intl formats dates, times and numbers in: British English for English and pseudo. */
export function intlLocale(): string {
  const l = active.locale;
  return l === 'en' || l === PSEUDO_LOCALE ? 'en-GB' : l;
}

let wanted: ScreenLocale = 'en';

/** Shows every screen in `locale`; a later call wins over an earlier one still loading. */
export async function showLanguage(locale: ScreenLocale): Promise<void> {
  wanted = locale;
  const dict = locale === 'en' ? en : await (loaderFor(locale)?.() ?? Promise.resolve(en));
  if (wanted !== locale) return;
  active = { locale, dict, overrides: locale === active.locale ? active.overrides : {} };
  const root = document.documentElement;
  root.lang = locale === 'en' ? 'en-GB' : locale;
  root.dir = locale === PSEUDO_LOCALE ? 'ltr' : directionOf(locale);
  document.title = m.app_title();
}

/** A school's own wording for its families, for the language on screen. */
export function useOverrides(locale: ScreenLocale, overrides: Overrides): void {
  if (active.locale === locale) active = { ...active, overrides };
}
