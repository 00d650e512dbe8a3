import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLIENT_DIR = path.join(root, 'client');
export const CLIENT_DIST = path.join(CLIENT_DIR, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === '.merged') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The build is stale when any client, protocol or message source is newer than the built index.html. */
export function clientBuildIsStale(): boolean {
  const index = path.join(CLIENT_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return (
    Math.max(
      newestMtime(CLIENT_DIR),
      newestMtime(path.join(root, 'protocol')),
      newestMtime(path.join(root, 'i18n')),
    ) > built
  );
}

export async function buildClient(): Promise<void> {
  const { build } = await import('vite');
  // Under Vitest NODE_ENV is "test", which would give a development build of Svelte.
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.join(CLIENT_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      mode: 'production',
    });
  } finally {
    process.env.NODE_ENV = before;
  }
}

/** Vitest globalSetup for the browser tests: they need the client built, and fresh. */
export default async function setup(): Promise<void> {
  if (clientBuildIsStale()) await buildClient();
}
