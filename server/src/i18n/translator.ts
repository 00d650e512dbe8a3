/**
 * The server's message layer, for what a family reads outside the app: mail, calendar files and
 * the HTML pages. Every language is loaded (they are small, and one process writes mail to many
 * families); a family's own school's overrides are laid over its language.
 */
import { type MessageFunctions, messageProxy, type Overrides } from '../../../i18n/message-proxy.ts';
import * as arFamily from '../../../i18n/paraglide/family/messages/ar.js';
import * as bnFamily from '../../../i18n/paraglide/family/messages/bn.js';
import * as cyFamily from '../../../i18n/paraglide/family/messages/cy.js';
import * as enFamily from '../../../i18n/paraglide/family/messages/en.js';
import * as pseudoFamily from '../../../i18n/paraglide/family/messages/en-XA.js';
import * as paFamily from '../../../i18n/paraglide/family/messages/pa.js';
import * as plFamily from '../../../i18n/paraglide/family/messages/pl.js';
import * as ptFamily from '../../../i18n/paraglide/family/messages/pt.js';
import * as roFamily from '../../../i18n/paraglide/family/messages/ro.js';
import * as urFamily from '../../../i18n/paraglide/family/messages/ur.js';
import * as arMail from '../../../i18n/paraglide/mail/messages/ar.js';
import * as bnMail from '../../../i18n/paraglide/mail/messages/bn.js';
import * as cyMail from '../../../i18n/paraglide/mail/messages/cy.js';
import * as enMail from '../../../i18n/paraglide/mail/messages/en.js';
import * as pseudoMail from '../../../i18n/paraglide/mail/messages/en-XA.js';
import * as paMail from '../../../i18n/paraglide/mail/messages/pa.js';
import * as plMail from '../../../i18n/paraglide/mail/messages/pl.js';
import * as ptMail from '../../../i18n/paraglide/mail/messages/pt.js';
import * as roMail from '../../../i18n/paraglide/mail/messages/ro.js';
import * as urMail from '../../../i18n/paraglide/mail/messages/ur.js';
import * as enStaff from '../../../i18n/paraglide/staff/messages/en.js';
import { baseLocale, directionOf, isLocale, type Locale } from '../../../protocol/locales.ts';

// The server writes what families read outside the app (the mail part: mail, calendar files,
// pages) and may reuse the family screens' words; staff and interpreter mail is English only.
type English = typeof enFamily & typeof enMail & typeof enStaff;
export type Messages = MessageFunctions<English>;

/** Every message in English: what a missing translation shows, and the texts a school may override. */
export const english = { ...enFamily, ...enMail, ...enStaff } as English;

const dictionaries: Record<Locale, object> = {
  en: english,
  cy: { ...cyFamily, ...cyMail },
  pl: { ...plFamily, ...plMail },
  ur: { ...urFamily, ...urMail },
  ar: { ...arFamily, ...arMail },
  ro: { ...roFamily, ...roMail },
  pt: { ...ptFamily, ...ptMail },
  bn: { ...bnFamily, ...bnMail },
  pa: { ...paFamily, ...paMail },
};
const pseudo = { ...pseudoFamily, ...pseudoMail };

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
  const state = { dict: pseudo as object, overrides: {} };
  return { locale: baseLocale, tag: 'en-XA', dir: 'ltr', m: messageProxy(() => state, english) };
}
