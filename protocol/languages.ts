/**
 * The contract for a family's language and a school's own words (docs/i18n.md): what a family
 * or an admin sends to set the language a family reads Confer in, and what admins send to
 * put the school's own text in place of a message for one language.
 */
import { z } from 'zod';
import { locales } from './locales.ts';

export const LocaleCode = z.enum(locales);

/** A family's own choice (`PUT /me/language`): one of the languages we offer. */
export const SetMyLanguageRequest = z.strictObject({ language: LocaleCode });
/** An admin's (`PUT /admin/families/{familyId}/language`): null when the school does not know it. */
export const SetFamilyLanguageRequest = z.strictObject({ language: LocaleCode.nullable() });
export const FamilyLanguage = z.object({ language: LocaleCode.nullable() });

/** The longest override a school may write (migration 032 holds the same bound). */
export const MAX_OVERRIDE_LENGTH = 2000;
/** A message key as the catalogue spells them (migration 032's CHECK). */
export const MessageKey = z.string().regex(/^[a-z][a-z0-9_]{0,119}$/, 'A message key is lower_snake_case.');

export const MessageOverrideParams = z.object({ locale: LocaleCode, key: MessageKey });
export const SetMessageOverrideRequest = z.strictObject({
  text: z
    .string()
    .trim()
    .min(1, 'Write the text, or clear the override to use the translation again.')
    .max(MAX_OVERRIDE_LENGTH),
});

/** `?locale=` of the message lists. */
export const MessagesQuery = z.object({ locale: z.string().optional() });

/** One message a school may override, and the school's own text for it in the language asked. */
export const OverridableMessage = z.object({
  key: z.string(),
  /** The English text, plural messages in their general form ("{count} times held"). */
  english: z.string(),
  /** The {placeholders} the English message has: the only ones an override may use. */
  placeholders: z.array(z.string()),
  /** The school's text in this language; null: the translation (or English) is shown. */
  override: z.string().nullable(),
  updatedAt: z.iso.datetime({ offset: true }).nullable(),
});
export const AdminMessages = z.object({ locale: LocaleCode, messages: z.array(OverridableMessage) });
export const MessageOverride = z.object({ locale: LocaleCode, key: z.string(), text: z.string().nullable() });

/** What a signed-in family's screens lay over their language: message key → the school's text. */
export const MessageOverrides = z.object({
  locale: LocaleCode,
  overrides: z.record(z.string(), z.string()),
});

export type SetMyLanguageRequest = z.infer<typeof SetMyLanguageRequest>;
export type SetFamilyLanguageRequest = z.infer<typeof SetFamilyLanguageRequest>;
export type FamilyLanguage = z.infer<typeof FamilyLanguage>;
export type OverridableMessage = z.infer<typeof OverridableMessage>;
export type AdminMessages = z.infer<typeof AdminMessages>;
export type MessageOverride = z.infer<typeof MessageOverride>;
export type MessageOverrides = z.infer<typeof MessageOverrides>;
