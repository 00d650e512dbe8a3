import { describe, expect, it } from 'vitest';
import { englishLanguageName } from '../../protocol/interpreter-language-name.ts';

// Staff read an interpreter's language by its English name ("Polish interpreter").
describe('a language’s English name for staff', () => {
  it('names a tag by ICU, one ICU leaves bare by its own name, and anything else by its code', () => {
    expect(englishLanguageName('pl')).toBe('Polish');
    expect(englishLanguageName('ti')).toBe('Tigrinya');
    expect(englishLanguageName('pt-BR')).toBe('Brazilian Portuguese');
    // British Sign Language: in the family's list of languages, unnamed by ICU.
    expect(englishLanguageName('bfi')).toBe('British Sign Language');
    expect(englishLanguageName('BFI')).toBe('British Sign Language');
    expect(englishLanguageName('not a tag')).toBe('not a tag');
  });
});
