// Imports one CSV file into a school: npm run import -- <school-code> <file> [--kind K] [--encoding windows-1252] [--dry-run]
// Same checks as the upload in the admin screens: all or nothing, every bad row listed.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ImportKind } from '../../protocol/schools.ts';
import { loadConfig } from '../src/config.ts';
import { SessionStore } from '../src/features/auth/session-store.ts';
import { ImportRejected } from '../src/features/import/csv-table.ts';
import { ImportService } from '../src/features/import/import.service.ts';
import { createDb } from '../src/infra/db.ts';
import { migrate } from '../src/infra/migrate.ts';
import { createRedis } from '../src/infra/redis.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { kind: { type: 'string' }, encoding: { type: 'string' }, 'dry-run': { type: 'boolean' } },
});
const [code, file] = positionals;
if (!code || !file) {
  console.error(
    'Usage: npm run import -- <school-code> <file.csv> [--kind teachers|students|families|family-students|class-lists] [--encoding windows-1252] [--dry-run]',
  );
  process.exit(2);
}
const kind = values.kind ? ImportKind.safeParse(values.kind) : null;
if (kind && !kind.success) {
  console.error(`Unknown kind ${values.kind}: use ${ImportKind.options.join(', ')}.`);
  process.exit(2);
}
const config = loadConfig();
await migrate(config.DATABASE_URL);
const db = createDb(config.DATABASE_URL, 2);
// A role changed from the command line ends that person's sessions as an upload does
// (their sockets stop at their next command: this process cannot reach them).
const redis = createRedis(config.REDIS_URL);
const sessions = new SessionStore(db, redis, config.REDIS_PREFIX, config.SESSION_IDLE_MINUTES * 60_000);
try {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM schools WHERE code = $1', [
    code.toUpperCase(),
  ]);
  if (!rows[0]) {
    console.error(`No school with code ${code}.`);
    process.exitCode = 2;
  } else {
    const endSessions = async (ids: string[]) => {
      for (const staffId of ids) await sessions.revokeAllOf({ staffId }, 'role_changed');
    };
    const report = await new ImportService(db, endSessions).run(rows[0].id, await readFile(file), {
      kind: kind?.data,
      encoding: values.encoding === 'windows-1252' ? 'windows-1252' : 'utf-8',
      dryRun: values['dry-run'] ?? false,
      byStaffId: null,
    });
    console.log(
      `${report.dryRun ? 'Checked' : 'Imported'} ${report.rows} ${report.kind} rows: ${report.created} created, ${report.updated} updated, ${report.removed} removed.`,
    );
  }
} catch (err) {
  if (err instanceof ImportRejected) {
    console.error(`Nothing was imported: ${err.issues.length} problem(s).`);
    for (const i of err.issues) console.error(`  line ${i.line}, column ${i.column}: ${i.reason}`);
    process.exitCode = 1;
  } else throw err;
} finally {
  await db.end();
  redis.disconnect();
}
