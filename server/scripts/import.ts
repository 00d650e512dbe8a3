// Imports one CSV file into a school: npm run import -- <school-code> <file> [--kind K] [--encoding windows-1252] [--dry-run] [--confirm-removals]
// Same checks and plan as the upload in the admin screens: all or nothing, every bad row
// listed, every change counted; removals above the rule need --confirm-removals.
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
import { DomainError } from '../src/refusals/domain-error.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string' },
    encoding: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'confirm-removals': { type: 'boolean' },
  },
});
const [code, file] = positionals;
if (!code || !file) {
  console.error(
    'Usage: npm run import -- <school-code> <file.csv> [--kind teachers|students|families|family-students|class-lists] [--encoding windows-1252] [--dry-run] [--confirm-removals]',
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
    const service = new ImportService(db, endSessions);
    const bytes = await readFile(file);
    const opts = {
      kind: kind?.data,
      encoding: values.encoding === 'windows-1252' ? ('windows-1252' as const) : ('utf-8' as const),
      byStaffId: null,
    };
    // The same two steps as the upload: the plan, then exactly that plan.
    const plan = await service.plan(rows[0].id, bytes, opts);
    const report = values['dry-run']
      ? plan
      : await service.import(rows[0].id, bytes, {
          ...opts,
          planId: plan.planId!,
          confirmRemovals: values['confirm-removals'] ?? false,
        });
    const c = report.changes;
    console.log(
      `${report.dryRun ? 'Checked' : 'Imported'} ${report.rows} ${report.kind} rows: ${report.created} added, ${report.updated} changed, ${report.removed} removed ` +
        `(staff ${c.staff.added}/${c.staff.changed}, students ${c.students.added}/${c.students.changed}, families ${c.families.added}/${c.families.changed}, ` +
        `family links +${c.familyLinks.added} -${c.familyLinks.removed}, class lists +${c.classLinks.added} ~${c.classLinks.changed} -${c.classLinks.removed}, ` +
        `roles +${c.roles.granted} -${c.roles.removed}).`,
    );
    for (const r of report.removals)
      console.log(
        `  removed: ${r.student} from ${r.owner}${r.hasAppointment ? ' (has an appointment: kept)' : ''}`,
      );
    if (report.removalsNotListed) console.log(`  … and ${report.removalsNotListed} more removals.`);
    for (const reason of report.confirmation.reasons) console.log(`  needs --confirm-removals: ${reason}`);
  }
} catch (err) {
  if (err instanceof ImportRejected) {
    console.error(`Nothing was imported: ${err.issues.length} problem(s).`);
    for (const i of err.issues) console.error(`  line ${i.line}, column ${i.column}: ${i.reason}`);
    process.exitCode = 1;
  } else if (err instanceof DomainError) {
    console.error(err.message);
    process.exitCode = 1;
  } else throw err;
} finally {
  await db.end();
  redis.disconnect();
}
