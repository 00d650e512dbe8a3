/**
 * The rules every translation must keep, checked when the messages are compiled
 * (scripts/i18n-compile.ts) and by test/unit/i18n-catalog.test.ts. A message is either a
 * string with {placeholders}, or Paraglide's variant form (inlang message format):
 *   [{ "declarations": ["input count", "local n = count: plural"], "selectors": ["n"],
 *      "match": { "n=one": "{count} slot", "n=*": "{count} slots" } }]
 * which is ICU MessageFormat's plural/select in JSON: Welsh and Arabic have six plural forms,
 * Intl.PluralRules picks one at run time.
 */
export interface Variant {
  declarations?: string[];
  selectors?: string[];
  match: Record<string, string>;
}
export type Message = string | Variant[];
export type Catalog = Record<string, Message>;

const PLACEHOLDER = /(?<!\\)\{\s*([A-Za-z_][\w]*)\s*\}/g;

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The inputs a message takes: what its caller must pass. */
export function inputsOf(message: Message): Set<string> {
  if (typeof message === 'string') return new Set(placeholdersIn(message));
  const inputs = new Set<string>();
  for (const v of message) {
    const locals = new Set<string>();
    for (const d of v.declarations ?? []) {
      const input = /^input\s+(\w+)$/.exec(d.trim());
      if (input) inputs.add(input[1]!);
      const local = /^local\s+(\w+)\s*=/.exec(d.trim());
      if (local) locals.add(local[1]!);
    }
    for (const text of Object.values(v.match))
      for (const p of placeholdersIn(text)) if (!locals.has(p)) inputs.add(p);
  }
  return inputs;
}

/** Every text a message can show, for checks and the pseudo-locale. */
export function textsOf(message: Message): string[] {
  return typeof message === 'string' ? [message] : message.flatMap((v) => Object.values(v.match));
}

function pluralSelectors(v: Variant): Set<string> {
  const out = new Set<string>();
  for (const d of v.declarations ?? []) {
    const m = /^local\s+(\w+)\s*=\s*\w+\s*:\s*plural\b/.exec(d.trim());
    if (m) out.add(m[1]!);
  }
  return out;
}

function variantProblems(key: string, message: Message, locale: string): string[] {
  if (typeof message === 'string') return [];
  if (!Array.isArray(message) || message.length === 0)
    return [`${key}: neither a string nor a list of variants`];
  const problems: string[] = [];
  const categories = new Set(new Intl.PluralRules(locale).resolvedOptions().pluralCategories as string[]);
  for (const v of message) {
    const selectors = v.selectors ?? [];
    const plurals = pluralSelectors(v);
    let catchAll = false;
    for (const matchKey of Object.keys(v.match ?? {})) {
      const parts = matchKey.split(',').map((p) => p.trim());
      if (parts.every((p) => p.endsWith('=*'))) catchAll = true;
      for (const part of parts) {
        const [name, value] = part.split('=') as [string, string | undefined];
        if (!selectors.includes(name)) problems.push(`${key}: "${matchKey}" names ${name}, not a selector`);
        if (plurals.has(name) && value !== '*' && value !== undefined && !categories.has(value))
          problems.push(
            `${key}: ${locale} has no plural form "${value}" (it has ${[...categories].join(', ')})`,
          );
      }
    }
    if (!catchAll) problems.push(`${key}: no catch-all variant (every selector "=*")`);
  }
  return problems;
}

/** What is wrong with one language's catalog, measured against English. */
export function checkCatalog(base: Catalog, catalog: Catalog, locale: string) {
  const problems: string[] = [];
  const missing: string[] = [];
  for (const key of Object.keys(base)) if (!(key in catalog)) missing.push(key);
  for (const [key, message] of Object.entries(catalog)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) problems.push(`${key}: keys are lower_snake_case`);
    const english = base[key];
    if (english === undefined) {
      problems.push(`${key}: not in English`);
      continue;
    }
    problems.push(...variantProblems(key, message, locale));
    const allowed = inputsOf(english);
    for (const input of inputsOf(message))
      if (!allowed.has(input)) problems.push(`${key}: {${input}} is not one of English's inputs`);
    if (textsOf(message).some((t) => t.trim() === '')) problems.push(`${key}: an empty text`);
  }
  return { problems, missing };
}
