/**
 * `npm run i18n`: builds the message layer from i18n/messages/<area>/<locale>.json.
 *
 * 1. Merges each language's area files, part by part (i18n/parts.ts: the family's screens,
 *    mail and pages, staff screens), into i18n/.merged/<part>/<locale>.json; areas keep files
 *    small enough for one person to translate; a key is unique across all areas.
 * 2. Checks every translation against English (i18n/checks.ts): no key English lacks, the same
 *    placeholders, a catch-all in every plural, plural categories the language really has.
 *    A missing translation is allowed (it shows English) and counted.
 * 3. Writes the pseudo-locale en-XA from English (i18n/pseudo-locale.ts) for translated parts,
 *    used by the e2e run to find text that skipped the message layer.
 * 4. Compiles each part with Paraglide to i18n/paraglide/<part>/messages/<locale>.js, one ES
 *    module per language, so the client loads the family part's English plus the chosen
 *    language only, the staff part when a staff screen opens, and the server imports them all.
 * With --if-stale it does nothing when the output is newer than every message file.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, checkCatalog, inputsOf } from '../i18n/checks.ts';
import { type Part, parts } from '../i18n/parts.ts';
import { pseudoCatalog } from '../i18n/pseudo-locale.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const I18N = path.join(ROOT, 'i18n');
const SOURCES = path.join(I18N, 'messages');
// Per process, then renamed into place: helpers, tests and builds may compile at the same time.
const MERGED = path.join(I18N, '.merged', String(process.pid));
const BUILDING = path.join(I18N, `.paraglide-${process.pid}`);
const OUT = path.join(I18N, 'paraglide');
const STAMP = path.join(OUT, '.built-at');
const SETTINGS = path.join(I18N, 'project.inlang/settings.json');
const settings = JSON.parse(readFileSync(SETTINGS, 'utf8')) as {
  locales: string[];
  baseLocale: string;
  modules: string[];
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

/** One part's languages, merged from its areas; problems and missing counts added to the lists. */
function mergePart(part: Part, owner: Map<string, string>, problems: string[], missing: string[]) {
  const { areas, translated } = parts[part];
  const locales = translated ? settings.locales.filter((l) => l !== PSEUDO) : [settings.baseLocale];
  const catalogs = new Map<string, Catalog>();
  for (const locale of locales) {
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
  problems.push(...checkCatalog(base, base, settings.baseLocale).problems.map((p) => `en: ${p}`));
  for (const [locale, catalog] of catalogs) {
    if (locale === settings.baseLocale) continue;
    const report = checkCatalog(base, catalog, locale);
    problems.push(...report.problems.map((p) => `${locale}: ${p}`));
    const whereNeeded: readonly string[] = parts[part].whereNeeded;
    const untranslated = report.missing.filter((k) => !whereNeeded.includes(owner.get(k) ?? ''));
    if (untranslated.length) missing.push(`${part} ${locale} ${untranslated.length}`);
  }
  if (translated) catalogs.set(PSEUDO, pseudoCatalog(base));
  for (const area of areas)
    for (const file of existsSync(path.join(SOURCES, area)) ? readdirSync(path.join(SOURCES, area)) : [])
      if (!translated && file !== `${settings.baseLocale}.json`)
        problems.push(`${area}/${file}: the ${part} part is English only (i18n/parts.ts)`);
  return catalogs;
}

/** A language module's TypeScript declarations: one function per message, its inputs required. */
function declarationsOf(catalog: Catalog): string {
  const lines = ['// Written by scripts/i18n-compile.ts.'];
  for (const [key, message] of Object.entries(catalog)) {
    const inputs = [...inputsOf(message)].map((i) => `${i}: NonNullable<unknown>`).join('; ');
    lines.push(`export declare const ${key}: (inputs: { ${inputs} }) => string;`);
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const sources = [
    SOURCES,
    SETTINGS,
    ...['checks.ts', 'pseudo-locale.ts', 'parts.ts'].map((f) => path.join(I18N, f)),
  ];
  if (process.argv.includes('--if-stale') && existsSync(STAMP)) {
    const built = statSync(STAMP).mtimeMs;
    if (sources.every((p) => newest(p) <= built)) return;
  }
  const known = new Set(Object.values(parts).flatMap((p) => p.areas as readonly string[]));
  const problems: string[] = [];
  for (const area of readdirSync(SOURCES))
    if (!known.has(area)) problems.push(`${area}: an area in no part (add it to i18n/parts.ts)`);
  const owner = new Map<string, string>();
  const missing: string[] = [];
  const merged = new Map<Part, Map<string, Catalog>>();
  for (const part of Object.keys(parts) as Part[])
    merged.set(part, mergePart(part, owner, problems, missing));
  if (problems.length) {
    console.error(`i18n: ${problems.length} problem(s) in i18n/messages:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  rmSync(MERGED, { recursive: true, force: true });
  for (const [part, catalogs] of merged) {
    const dir = path.join(MERGED, part);
    mkdirSync(path.join(dir, 'project.inlang'), { recursive: true });
    for (const [locale, catalog] of catalogs)
      writeFileSync(path.join(dir, `${locale}.json`), `${JSON.stringify(catalog, null, 1)}\n`);
    // Paraglide reads a project's plugin and files relative to the folder holding project.inlang.
    const partSettings = {
      ...settings,
      locales: [...catalogs.keys()],
      modules: settings.modules.map((m) => path.relative(dir, path.resolve(I18N, m))),
      'plugin.inlang.messageFormat': { pathPattern: './{locale}.json' },
    };
    writeFileSync(path.join(dir, 'project.inlang/settings.json'), JSON.stringify(partSettings, null, 2));
  }
  // Imported here, not at the top: the --if-stale check above should cost nothing.
  const { compile } = await import('@inlang/paraglide-js');
  rmSync(BUILDING, { recursive: true, force: true });
  await Promise.all(
    [...merged.keys()].map((part) =>
      compile({
        project: path.join(MERGED, part, 'project.inlang'),
        outdir: path.join(BUILDING, part),
        outputStructure: 'locale-modules',
        // Paraglide's own declarations run TypeScript over the output (minutes for ~1,500
        // messages on a busy machine); declarationsOf() writes the same shapes in milliseconds.
        emitTsDeclarations: false,
        emitGitIgnore: false,
        emitPrettierIgnore: false,
        emitReadme: false,
        includeEslintDisableComment: true,
      }),
    ),
  );
  for (const [part, catalogs] of merged) {
    const dts = declarationsOf(catalogs.get(settings.baseLocale)!);
    // Every language module has English's shape: a message not yet translated is re-exported from en.js.
    for (const locale of catalogs.keys())
      writeFileSync(path.join(BUILDING, part, 'messages', `${locale}.d.ts`), dts);
  }
  // What a school may override for its families, and with which {placeholders}
  // (server/src/i18n/catalog.ts): the translated parts' messages.
  const overridable: Record<string, string[]> = {};
  for (const [part, catalogs] of merged)
    if (parts[part].translated)
      for (const [k, msg] of Object.entries(catalogs.get(settings.baseLocale)!))
        overridable[k] = [...inputsOf(msg)].sort();
  writeFileSync(path.join(BUILDING, 'catalog.json'), `${JSON.stringify(overridable)}\n`);
  writeFileSync(path.join(BUILDING, '.built-at'), new Date().toISOString());
  const old = `${BUILDING}.old`;
  if (existsSync(OUT)) renameSync(OUT, old);
  renameSync(BUILDING, OUT);
  rmSync(old, { recursive: true, force: true });
  rmSync(MERGED, { recursive: true, force: true });
  const counts = [...merged].map(([part, c]) => `${part} ${Object.keys(c.get(settings.baseLocale)!).length}`);
  console.log(
    `i18n: messages ${counts.join(', ')}${missing.length ? `; English shown for: ${missing.join(', ')}` : ''}`,
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
