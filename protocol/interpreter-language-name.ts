import { INTERPRETER_LANGUAGES } from './interpreter-languages.ts';

/**
 * The name of an interpreter's language (BCP-47) for a family, in the language it reads
 * (`locale`, an Intl locale), for "An interpreter for {language} will join you": the
 * family's app, mail and calendar files. Intl's name in the reader's language when the
 * runtime has names in it; where it has not (a browser's Intl may lack Welsh, as desktop
 * Chrome lacks its calendar data: docs/i18n.md) or knows no name for the tag, the
 * language's own name, which the family needing it reads (INTERPRETER_LANGUAGES, as the
 * family's own choice shows it, else Intl's in the language itself); else the tag.
 * British Sign Language has no written name of its own and none in Intl: `signLanguage`
 * is its message (`interpreter_language_bfi`).
 */
export function interpreterLanguageName(tag: string, locale: string, signLanguage: () => string): string {
  if (tag.toLowerCase() === 'bfi') return signLanguage();
  return (
    nameIn(locale, tag) ??
    INTERPRETER_LANGUAGES.find((l) => l.code === tag.toLowerCase())?.name ??
    nameIn(tag, tag) ??
    tag
  );
}

function nameIn(locale: string, tag: string): string | undefined {
  try {
    // A locale without data would be answered in the runtime's default language instead.
    if (Intl.DisplayNames.supportedLocalesOf([locale]).length === 0) return undefined;
    return new Intl.DisplayNames([locale], { type: 'language', fallback: 'none' }).of(tag);
  } catch {
    // Not a tag Intl accepts (a stored one always is; this is for safety's sake).
    return undefined;
  }
}

/**
 * The same name in English, for staff ("Polish interpreter: Ola Nowak"): staff screens and
 * documents are English only, and their British Sign Language is written out.
 */
export function englishLanguageName(tag: string): string {
  return interpreterLanguageName(tag, 'en', () => 'British Sign Language');
}
