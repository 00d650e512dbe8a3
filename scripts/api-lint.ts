import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startScratchApp } from './scratch-app.ts';

/**
 * `npm run lint:api`: the OpenAPI document exactly as a running server serves it
 * (a scratch server on a free port, against a database of its own), linted by
 * Redocly CLI with redocly.yaml. Warnings fail too: the document is either complete
 * or the check is red.
 */
const app = await startScratchApp('');
const dir = mkdtempSync(path.join(tmpdir(), 'confer-api-'));
let status = 1;
try {
  const res = await fetch(`${app.url}/api/v1/openapi.json`);
  if (!res.ok) throw new Error(`GET /api/v1/openapi.json answered ${res.status}`);
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(await res.json(), null, 2));
  const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
  const run = spawnSync(
    process.execPath,
    [cli, 'lint', file, '--config', 'redocly.yaml', '--max-problems', '500', '--format', 'stylish'],
    {
      stdio: 'inherit',
      // No telemetry and no look-up of newer versions: the lint runs offline (CI has no internet).
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  status = run.status ?? 1;
} finally {
  // Closing the scratch server rejects Redis commands still queued on its connections
  // ("Connection is closed."), unhandled (startScratchApp does the same in the screenshot
  // script): noise after the lint has answered, which must not turn its verdict into a crash.
  process.on('unhandledRejection', (err) => {
    if ((err as Error)?.message !== 'Connection is closed.') throw err;
  });
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
