import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout's one rule (docs/architecture.md): dependencies point from the wiring
// to the features and edges, and from those to infra — never back. A file that
// breaks it fails here, named with the import.
const SRC = path.resolve(import.meta.dirname, '../../server/src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : /\.(ts|mjs)$/.test(e.name) ? [full] : [];
  });
}

/** Each relative import of a file, as the top folder of server/src it lands in. */
function importsOf(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; folder: string }[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    const rel = path.relative(SRC, target);
    if (rel.startsWith('..')) continue;
    out.push({ spec: m[1]!, folder: rel.split(path.sep)[0]! });
  }
  return out;
}

function violations(folder: string, forbidden: string[]): string[] {
  return filesUnder(path.join(SRC, folder)).flatMap((file) =>
    importsOf(file)
      .filter((i) => forbidden.includes(i.folder))
      .map((i) => `${path.relative(SRC, file)} imports ${i.spec}`),
  );
}

describe('server/src layering', () => {
  it('infra knows nothing of features, edges, pages or the wiring', () => {
    expect(violations('infra', ['features', 'wiring', 'http', 'socket', 'pages', 'refusals'])).toEqual([]);
  });

  it('only the wiring (and the entry point) import the wiring', () => {
    for (const folder of ['features', 'http', 'socket', 'pages', 'refusals', 'infra'])
      expect(violations(folder, ['wiring'])).toEqual([]);
  });

  it('features never import the socket edge', () => {
    expect(violations('features', ['socket'])).toEqual([]);
  });

  it('refusals depend on infra only', () => {
    expect(violations('refusals', ['features', 'wiring', 'http', 'socket', 'pages'])).toEqual([]);
  });
});
