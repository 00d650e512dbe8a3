import { describe, expect, it } from 'vitest';
import { homeLanguageLocale } from '../../server/src/features/import/home-language.ts';

describe('the MIS home-language cell', () => {
  it('reads names in English and in the language, codes and census codes', () => {
    const cases: [string, string][] = [
      ['Welsh', 'cy'],
      ['Cymraeg', 'cy'],
      ['cy', 'cy'],
      ['WEL', 'cy'],
      ['Polish', 'pl'],
      ['pl-PL', 'pl'],
      ['Urdu', 'ur'],
      ['Arabic', 'ar'],
      ['ROMANIAN', 'ro'],
      ['Portuguese (Brazil)', 'pt'],
      ['pt_BR', 'pt'],
      ['Bengali', 'bn'],
      ['Bangla', 'bn'],
      ['BNG', 'bn'],
      ['Punjabi', 'pa'],
      ['Panjabi', 'pa'],
      ['PNJG', 'pa'],
      ['Punjabi (Gurmukhi)', 'pa'],
      ['English', 'en'],
      ['  english  ', 'en'],
      ['ENG', 'en'],
    ];
    for (const [cell, locale] of cases) expect(homeLanguageLocale(cell), cell).toBe(locale);
  });

  it('gives null for an empty cell and for a language we do not offer', () => {
    for (const cell of ['', '   ', 'Somali', 'so', 'French', 'fr-FR', 'Klingon', 'ENB', 'Not known'])
      expect(homeLanguageLocale(cell), cell).toBeNull();
  });

  it('does not take Punjabi in Shahmukhi (Urdu script) for our Gurmukhi', () => {
    for (const cell of ['PNJP', 'PNJM', 'Punjabi (Shahmukhi)', 'pa-Arab', 'Punjabi (Pakistani)'])
      expect(homeLanguageLocale(cell), cell).toBeNull();
  });
});
