// The languages a family can read Confer in. English is the base: every other language falls
// back to it message by message, so a missing translation shows English, never a key.
export const locales = ['en', 'cy', 'pl', 'ur', 'ar', 'ro', 'pt', 'bn', 'pa'] as const;
export type Locale = (typeof locales)[number];
export const baseLocale: Locale = 'en';

// Each language's own name, as a family looking for it would recognise it.
export const localeNames: Record<Locale, string> = {
  en: 'English',
  cy: 'Cymraeg',
  pl: 'Polski',
  ur: 'اردو',
  ar: 'العربية',
  ro: 'Română',
  pt: 'Português',
  bn: 'বাংলা',
  pa: 'ਪੰਜਾਬੀ',
};

const rightToLeft: ReadonlySet<Locale> = new Set(['ur', 'ar']);

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export function directionOf(locale: Locale): 'rtl' | 'ltr' {
  return rightToLeft.has(locale) ? 'rtl' : 'ltr';
}
