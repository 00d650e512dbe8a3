/**
 * The server's message layer, for what a family reads outside the app: mail, calendar files and
 * the HTML pages. Every language is loaded (they are small, and one process writes mail to many
 * families); a family's own school's overrides are laid over its language.
 */
import { type MessageFunctions, messageProxy, type Overrides } from '../../../i18n/message-proxy.ts';
import * as ar from '../../../i18n/paraglide/messages/ar.js';
import * as bn from '../../../i18n/paraglide/messages/bn.js';
import * as cy from '../../../i18n/paraglide/messages/cy.js';
import * as en from '../../../i18n/paraglide/messages/en.js';
import * as pseudo from '../../../i18n/paraglide/messages/en-XA.js';
import * as pa from '../../../i18n/paraglide/messages/pa.js';
import * as pl from '../../../i18n/paraglide/messages/pl.js';
import * as pt from '../../../i18n/paraglide/messages/pt.js';
import * as ro from '../../../i18n/paraglide/messages/ro.js';
import * as ur from '../../../i18n/paraglide/messages/ur.js';
import { baseLocale, directionOf, isLocale, type Locale } from '../../../protocol/locales.ts';

export type Messages = MessageFunctions<typeof en>;

const dictionaries: Record<Locale, object> = { en, cy, pl, ur, ar, ro, pt, bn, pa };

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
  const state = { dict: dictionaries[locale], overrides };
  return {
    locale,
    tag: locale === 'en' ? 'en-GB' : locale,
    dir: directionOf(locale),
    m: messageProxy(() => state, en),
  };
}

/**
 * The pseudo-locale en-XA (i18n/pseudo-locale.ts), for tests only: every message text wrapped
 * in ⟦ ⟧, so English that did not come through the message layer stands out in a rendered mail
 * or page. Families cannot choose it (it is no Locale); dates and times format as English.
 */
export function pseudoTranslator(): Translator {
  const state = { dict: pseudo as object, overrides: {} };
  return { locale: baseLocale, tag: 'en-XA', dir: 'ltr', m: messageProxy(() => state, en) };
}
