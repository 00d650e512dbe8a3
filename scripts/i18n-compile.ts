/**
 * `npm run i18n`: builds the message layer from i18n/messages/<area>/<locale>.json.
 *
 * 1. Merges each language's area files into i18n/.merged/<locale>.json (areas keep the files
 *    small enough for one person to translate; keys are unique across areas).
 * 2. Checks every translation against English (i18n/checks.ts): no key English lacks, the same
 *    placeholders, a catch-all in every plural, plural categories the language really has.
 *    A missing translation is allowed (it shows English) and counted.
 * 3. Writes the pseudo-locale en-XA from English (i18n/pseudo-locale.ts), used by the e2e run
 *    to find text that skipped the message layer.
 * 4. Compiles with Paraglide to i18n/paraglide/ as one ES module per language, so the client
 *    loads English plus the chosen language only, and the server imports them all.
 * With --if-stale it does nothing when the output is newer than every message file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, checkCatalog, inputsOf } from '../i18n/checks.ts';
import { pseudoCatalog } from '../i18n/pseudo-locale.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const I18N = path.join(ROOT, 'i18n');
const SOURCES = path.join(I18N, 'messages');
const MERGED = path.join(I18N, '.merged');
const OUT = path.join(I18N, 'paraglide');
const STAMP = path.join(OUT, '.built-at');
const settings = JSON.parse(readFileSync(path.join(I18N, 'project.inlang/settings.json'), 'utf8')) as {
  locales: string[];
  baseLocale: string;
};
const PSEUDO = 'en-XA';

function newest(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

function readArea(area: string, locale: string): Catalog {
  const file = path.join(SOURCES, area, `${locale}.json`);
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Catalog;
  delete parsed.$schema;
  return parsed;
}

async function main() {
  const sources = [
    SOURCES,
    path.join(I18N, 'project.inlang'),
    path.join(I18N, 'checks.ts'),
    path.join(I18N, 'pseudo-locale.ts'),
  ];
  if (process.argv.includes('--if-stale') && existsSync(STAMP)) {
    const built = statSync(STAMP).mtimeMs;
    if (sources.every((p) => newest(p) <= built)) return;
  }
  // An area folder per part of the product; unknown files are a mistake worth stopping for.
  const areas = readdirSync(SOURCES)
    .filter((a) => statSync(path.join(SOURCES, a)).isDirectory())
    .sort();
  const catalogs = new Map<string, Catalog>();
  const owner = new Map<string, string>();
  const problems: string[] = [];
  for (const locale of settings.locales) {
    if (locale === PSEUDO) continue;
    const merged: Catalog = {};
    for (const area of areas) {
      for (const [key, value] of Object.entries(readArea(area, locale))) {
        if (locale === settings.baseLocale) {
          if (owner.has(key)) problems.push(`${key}: in both ${owner.get(key)} and ${area}`);
          owner.set(key, area);
        }
        merged[key] = value;
      }
    }
    catalogs.set(locale, merged);
  }
  const base = catalogs.get(settings.baseLocale)!;
  const missing: string[] = [];
  for (const [locale, catalog] of catalogs) {
    if (locale === settings.baseLocale) continue;
    const report = checkCatalog(base, catalog, locale);
    problems.push(...report.problems.map((p) => `${locale}: ${p}`));
    if (report.missing.length) missing.push(`${locale} ${report.missing.length}`);
  }
  catalogs.set(PSEUDO, pseudoCatalog(base));
  problems.push(...checkCatalog(base, base, settings.baseLocale).problems.map((p) => `en: ${p}`));
  if (problems.length) {
    console.error(`i18n: ${problems.length} problem(s) in i18n/messages:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  rmSync(MERGED, { recursive: true, force: true });
  mkdirSync(MERGED, { recursive: true });
  for (const [locale, catalog] of catalogs)
    writeFileSync(path.join(MERGED, `${locale}.json`), `${JSON.stringify(catalog, null, 1)}\n`);
  const cwd = process.cwd();
  // The plugin and the path pattern in settings.json are relative to the project's root.
  process.chdir(ROOT);
  try {
    // Imported here, not at the top: the --if-stale check above should cost nothing.
    const { compile } = await import('@inlang/paraglide-js');
    await compile({
      project: './i18n/project.inlang',
      outdir: './i18n/paraglide',
      outputStructure: 'locale-modules',
      emitTsDeclarations: true,
      emitGitIgnore: false,
      emitPrettierIgnore: false,
      emitReadme: false,
      includeEslintDisableComment: true,
    });
  } finally {
    process.chdir(cwd);
  }
  // What a school may override, and with which {placeholders} (server/src/i18n/catalog.ts).
  const inputs = Object.fromEntries(Object.entries(base).map(([k, msg]) => [k, [...inputsOf(msg)].sort()]));
  writeFileSync(path.join(OUT, 'catalog.json'), `${JSON.stringify(inputs)}\n`);
  writeFileSync(STAMP, new Date().toISOString());
  const keys = Object.keys(base).length;
  console.log(
    `i18n: ${keys} messages, ${catalogs.size} languages${missing.length ? ` (English shown for: ${missing.join(', ')})` : ''}`,
  );
}

// Paraglide's project loader leaves a handle open for ~30 s after compiling: exit at once.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
