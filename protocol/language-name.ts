/**
 * A language's name in English, for staff (an interpreter's language beside a meeting:
 * "Polish interpreter"). Staff screens and staff documents are English only. ICU names
 * most tags (pt-BR: Brazilian Portuguese); the few it leaves as a bare code are named
 * here, and any other tag is shown as the code rather than nothing.
 */
const UNNAMED_BY_ICU: Readonly<Record<string, string>> = {
  bfi: 'British Sign Language',
};

let names: Intl.DisplayNames | null = null;

export function englishLanguageName(tag: string): string {
  const own = UNNAMED_BY_ICU[tag.toLowerCase()];
  if (own) return own;
  try {
    names ??= new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });
    return names.of(tag) ?? tag;
  } catch {
    // Not a tag Intl accepts (a stored code is always one; this is for safety's sake).
    return tag;
  }
}
