import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, checkCatalog, inputsOf } from '../../i18n/checks.ts';
import { fillOverride } from '../../i18n/message-proxy.ts';
import { pseudoCatalog, pseudoText } from '../../i18n/pseudo-locale.ts';
import { locales } from '../../protocol/locales.ts';

const messagesDir = new URL('../../i18n/messages/', import.meta.url);

function catalogOf(locale: string): Catalog {
  const out: Catalog = {};
  for (const area of readdirSync(messagesDir)) {
    try {
      Object.assign(out, JSON.parse(readFileSync(new URL(`${area}/${locale}.json`, messagesDir), 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

const plural = (match: Record<string, string>) => [
  { declarations: ['input count', 'local n = count: plural'], selectors: ['n'], match },
];

describe('the rules every translation keeps (i18n/checks.ts)', () => {
  const english: Catalog = {
    greeting: 'Hello {name}',
    held: plural({ 'n=one': '{count} time held', 'n=*': '{count} times held' }),
  };

  it('accepts a translation with the same inputs and the plural forms its language has', () => {
    const welsh: Catalog = {
      greeting: 'Helo {name}',
      held: plural({
        'n=zero': 'Dim amserau',
        'n=one': '{count} amser',
        'n=two': '{count} amser',
        'n=few': '{count} amser',
        'n=many': '{count} amser',
        'n=*': '{count} amser',
      }),
    };
    expect(checkCatalog(english, welsh, 'cy')).toEqual({ problems: [], missing: [] });
  });

  it('refuses a key English lacks, an input English lacks, a form the language lacks and a missing catch-all', () => {
    const bad: Catalog = {
      extra: 'x',
      greeting: 'Hola {nombre}',
      held: plural({ 'n=few': '{count} x', 'n=one': '{count} y' }),
    };
    const { problems } = checkCatalog(english, bad, 'en');
    expect(problems).toEqual(
      expect.arrayContaining([
        'extra: not in English',
        "greeting: {nombre} is not one of English's inputs",
        'held: en has no plural form "few" (it has one, other)',
        'held: no catch-all variant (every selector "=*")',
      ]),
    );
  });

  it('counts what is not translated yet (shown in English)', () => {
    expect(checkCatalog(english, { greeting: 'Cześć {name}' }, 'pl').missing).toEqual(['held']);
  });

  it('knows a message’s inputs, locals aside', () => {
    expect([...inputsOf(english.held!)]).toEqual(['count']);
  });
});

describe('the pseudo-locale and overrides', () => {
  it('accents letters outside placeholders and brackets the text', () => {
    expect(pseudoText('Book {time} with {teacher}')).toBe('⟦Ɓóóķ {time} ŵíţĥ {teacher}⟧');
    expect(pseudoCatalog({ a: plural({ 'n=*': '{count} times' }) }).a).toEqual(
      plural({ 'n=*': '⟦{count} ţíɱéš⟧' }),
    );
  });

  it('fills an override’s placeholders and leaves unknown ones visible', () => {
    expect(fillOverride('Meet {teacher} at {time}', { teacher: 'Ms Ng', time: '18:05' })).toBe(
      'Meet Ms Ng at 18:05',
    );
    expect(fillOverride('{x} left', {})).toBe('{x} left');
  });
});

describe('the catalog as committed', () => {
  const english = catalogOf('en');

  it('has English for every message and passes the rules in every language', () => {
    expect(Object.keys(english).length).toBeGreaterThan(0);
    for (const locale of locales) {
      if (locale === 'en') continue;
      expect({ locale, problems: checkCatalog(english, catalogOf(locale), locale).problems }).toEqual({
        locale,
        problems: [],
      });
    }
  });
});
