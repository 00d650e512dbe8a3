/**
 * Text PostgreSQL can store as it was sent. A NUL (U+0000) cannot be stored in a
 * `text` column at all (the query fails, which used to surface as `500 internal`),
 * and a lone UTF-16 surrogate would be silently replaced by U+FFFD on the way in,
 * so the stored text would differ from what was accepted. Both are refused at the
 * edge, for every string a request carries, as `invalid_input`.
 */
import type { z } from 'zod';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL is what this rule is about.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE =
  'Contains a character that cannot be stored (NUL or a broken surrogate).';

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * The path (`a.b.0`) of the first string, or object key, in a parsed JSON value,
 * query or header set that cannot be stored; null when all of it can. Walks with its
 * own stack: a deeply nested body must not overflow the call stack.
 */
export function unstorableTextPath(value: unknown): string | null {
  const stack: [unknown, string[]][] = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return path.join('.');
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], [...path, String(i)]]);
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (!isStorableText(k)) return [...path, '(key)'].join('.');
        stack.push([child, [...path, k]]);
      }
    }
  }
  return null;
}

/**
 * The same rule inside a schema, for the places that validate without the HTTP edge
 * of route.ts (the server-rendered forms). Runs once the schema has accepted its input.
 */
export function refusingUnstorableText<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const at = unstorableTextPath(value);
    if (at !== null)
      ctx.addIssue({ code: 'custom', message: UNSTORABLE_TEXT_MESSAGE, path: at ? at.split('.') : [] });
  }) as T;
}
