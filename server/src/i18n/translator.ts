/**
 * The server's message layer, for what a family reads outside the app: mail, calendar files and
 * the HTML pages. A language's messages are loaded the first time a family's mail or page needs
 * them, not at start: most processes write most mail in English, and a test file that starts the
 * app no longer evaluates nine languages it never reads (~0.3 s each file). A family's own
 * school's overrides are laid over its language.
 */
import { createRequire } from 'node:module';
import { type MessageFunctions, messageProxy, type Overrides } from '../../../i18n/message-proxy.ts';
import type * as enFamily from '../../../i18n/paraglide/family/messages/en.js';
import type * as enMail from '../../../i18n/paraglide/mail/messages/en.js';
import type * as enStaff from '../../../i18n/paraglide/staff/messages/en.js';
import { baseLocale, directionOf, isLocale, type Locale } from '../../../protocol/locales.ts';

// The server writes what families read outside the app (the mail part: mail, calendar files,
// pages) and may reuse the family screens' words; staff and interpreter mail is English only.
type English = typeof enFamily & typeof enMail & typeof enStaff;
export type Messages = MessageFunctions<English>;

// Synchronous on purpose: a translator is made inside templates and page handlers that are
// not async. The compiled messages are plain ES modules; Node (>= 20.19, package.json's
// engines) loads them with require(), and caches each once per process.
const requireMessages = createRequire(import.meta.url);
const compiled = (part: 'family' | 'mail' | 'staff', locale: string): object =>
  requireMessages(`../../../i18n/paraglide/${part}/messages/${locale}.js`);

/** Every message in English: what a missing translation shows, and the texts a school may override. */
export const english = {
  ...compiled('family', 'en'),
  ...compiled('mail', 'en'),
  ...compiled('staff', 'en'),
} as English;

const dictionaries = new Map<Locale | 'en-XA', object>([['en', english]]);
function dictionary(locale: Locale | 'en-XA'): object {
  let dict = dictionaries.get(locale);
  if (!dict) {
    dict = { ...compiled('family', locale), ...compiled('mail', locale) };
    dictionaries.set(locale, dict);
  }
  return dict;
}

export interface Translator {
  locale: Locale;
  /** The BCP-47 tag for `lang=` and Intl ("en-GB" for English). */
  tag: string;
  dir: 'ltr' | 'rtl';
  m: Messages;
}

/** A family's language, or English when it has none or one we do not offer. */
export function translatorFor(language: string | null | undefined, overrides: Overrides = {}): Translator {
  const locale = isLocale(language) ? language : baseLocale;
  const state = { dict: dictionary(locale), overrides };
  return {
    locale,
    tag: locale === 'en' ? 'en-GB' : locale,
    dir: directionOf(locale),
    m: messageProxy(() => state, english),
  };
}

/**
 * The pseudo-locale en-XA (i18n/pseudo-locale.ts), for testing (tests, and ?lang=en-XA on the
 * family's pages, as in the app): every message text wrapped
 * in ⟦ ⟧, so English that did not come through the message layer stands out in a rendered mail
 * or page. Families cannot choose it (it is no Locale); dates and times format as English.
 */
export function pseudoTranslator(): Translator {
  const state = { dict: dictionary('en-XA'), overrides: {} };
  return { locale: baseLocale, tag: 'en-XA', dir: 'ltr', m: messageProxy(() => state, english) };
}
