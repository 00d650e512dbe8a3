import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The web client is tied to the route definitions: every call it makes through its API
 * client (`api.get`, `api.write`, `api.file` in client/src) names a method and path that
 * the served OpenAPI document — built from the routes themselves — has. A renamed or
 * removed route, or a client call with the wrong method, fails here with the file and
 * the call, instead of as a 404 in a parent's phone.
 */

const CLIENT = path.resolve(import.meta.dirname, '../../client/src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : /\.(ts|svelte)$/.test(e.name) ? [full] : [];
  });
}

interface Call {
  where: string;
  method: string;
  /** The path as written, `${…}` parts turned into `{}` (one path segment). */
  path: string;
}

/** Reads a string or template literal starting at `i`; null when the argument is not one. */
function literalAt(text: string, i: number): { value: string; end: number } | null {
  const quote = text[i];
  if (quote !== "'" && quote !== '`') return null;
  let value = '';
  let j = i + 1;
  while (j < text.length && text[j] !== quote) {
    if (quote === '`' && text[j] === '$' && text[j + 1] === '{') {
      let depth = 1;
      j += 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
        j++;
      }
      value += '{}';
      continue;
    }
    value += text[j];
    j++;
  }
  return { value, end: j + 1 };
}

function skipSpaceAndGenerics(text: string, i: number): number {
  let j = i;
  while (/\s/.test(text[j] ?? '')) j++;
  if (text[j] === '<') {
    let depth = 0;
    do {
      if (text[j] === '<') depth++;
      else if (text[j] === '>' && text[j - 1] !== '=') depth--;
      j++;
    } while (j < text.length && depth > 0);
  }
  while (/\s/.test(text[j] ?? '')) j++;
  return j;
}

function clientCalls(): { calls: Call[]; unread: string[] } {
  const calls: Call[] = [];
  const unread: string[] = [];
  for (const file of filesUnder(CLIENT)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bapi\.(get|write|file)\b/g)) {
      const line = text.slice(0, m.index).split('\n').length;
      const where = `${path.relative(CLIENT, file)}:${line}`;
      let j = skipSpaceAndGenerics(text, m.index + m[0].length);
      if (text[j] !== '(') continue; // a mention, not a call
      j = skipSpaceAndGenerics(text, j + 1);
      let method = m[1] === 'write' ? '' : 'get';
      if (m[1] === 'write') {
        const lit = literalAt(text, j);
        if (!lit) {
          unread.push(where);
          continue;
        }
        method = lit.value.toLowerCase();
        j = skipSpaceAndGenerics(text, lit.end);
        if (text[j] !== ',') continue;
        j = skipSpaceAndGenerics(text, j + 1);
      }
      const lit = literalAt(text, j);
      if (!lit) {
        unread.push(where);
        continue;
      }
      // `file(path, post)`: with a second argument the file is the answer to a POST.
      if (m[1] === 'file') {
        const after = skipSpaceAndGenerics(text, lit.end);
        if (text[after] === ',' && text[skipSpaceAndGenerics(text, after + 1)] !== ')') method = 'post';
      }
      calls.push({ where, method, path: lit.value.split('?')[0]! });
    }
  }
  return { calls, unread };
}

let app: TestApp;
const operations: { method: string; pattern: RegExp; sample: string }[] = [];

beforeAll(async () => {
  app = await startTestApp();
  const res = await app.api('GET', '/api/v1/openapi.json');
  expect(res.status).toBe(200);
  for (const [p, methods] of Object.entries<Record<string, unknown>>(res.body.paths)) {
    // /api/v1/events/{eventId}/holds -> ^/events/[^/]+/holds$ (the client's paths are under /api/v1)
    const rel = p.replace(/^\/api\/v1/, '');
    const pattern = new RegExp(
      `^${rel.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
    );
    const sample = rel.replace(/\{[^}]+\}/g, 'P');
    for (const method of Object.keys(methods)) operations.push({ method, pattern, sample });
  }
});
afterAll(() => app?.close());

describe('the web client calls only routes that exist', () => {
  it('reads the calls of client/src (every path a literal the test can read)', () => {
    const { calls, unread } = clientCalls();
    // At the time of writing about 120 calls; a scanner that finds none is broken.
    expect(calls.length).toBeGreaterThan(80);
    // A path built elsewhere (a variable) cannot be checked here: keep them few and known.
    expect(unread.length).toBeLessThanOrEqual(2);
  });

  it('every call names a method and path of the API document', () => {
    const { calls } = clientCalls();
    const missing = calls
      .filter((c) => {
        // One `${…}` is usually one id (a segment); sometimes a suffix, a file name or a
        // query string, so the looser reading is tried too: `${…}` as any text.
        const concrete = c.path.replace(/\{\}/g, 'x');
        const loose = new RegExp(
          `^${c.path
            .split('{}')
            .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
        );
        return !operations.some(
          (o) => o.method === c.method && (o.pattern.test(concrete) || loose.test(o.sample)),
        );
      })
      .map((c) => `${c.where} ${c.method.toUpperCase()} ${c.path}`);
    expect(missing).toEqual([]);
  });
});
