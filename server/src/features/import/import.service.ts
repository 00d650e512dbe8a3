import { createHash } from 'node:crypto';
import type { ImportPlanReport, ImportRecordList, RestoreReport } from '../../../../protocol/imports.ts';
import type { ImportKind } from '../../../../protocol/schools.ts';
import { type Db, type DbClient, inTransaction, pgConstraint } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { type FileEncoding, ImportRejected } from './csv-table.ts';
import { checkImport, type ImportCheck, type ImportCheckInput } from './import-check.ts';
import { type ImportPlan, invertPlan } from './import-plan.ts';
import { applyPlan, rolesChangedBy } from './plan-apply.ts';
import { type PlanSummary, removalsWithAppointments, summarisePlan } from './plan-summary.ts';
import { refusalToRestore } from './restore-refusal.ts';
import { readRoster, rosterVersion } from './school-roster.ts';

/** How long a check's plan may be imported: it holds names, and a school's data moves on. */
export const PLAN_LIFETIME_MINUTES = 60;

export interface CheckOptions {
  kind?: ImportKind | undefined;
  encoding: FileEncoding;
  byStaffId: string | null;
}

export interface ImportOptions extends CheckOptions {
  /** The plan the check answered. */
  planId: string;
  /** The admin has seen the removals the plan needs a confirmation for. */
  confirmRemovals: boolean;
}

/**
 * Runs checkImport somewhere: the server hands it to the CPU pool (a 10 MB file takes
 * seconds to check, which the event loop cannot spare); the command-line import has
 * no loop to protect and runs it in place. `bytes` may be transferred away.
 */
export type ImportChecker = (input: ImportCheckInput) => Promise<ImportCheck>;

export const checkInPlace: ImportChecker = async (input) => checkImport(input);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the file was, as the check and the import must agree on it. */
function dataHash(bytes: Uint8Array, opts: CheckOptions): string {
  return createHash('sha256')
    .update(`${opts.kind ?? ''}\n${opts.encoding}\n`)
    .update(bytes)
    .digest('hex');
}

function stale(message: string): DomainError {
  return new DomainError('import_plan_stale', message);
}

/**
 * CSV import of a school's people, in two steps. The check reads the file
 * and the school, computes the plan (import-plan.ts: every row added, changed,
 * removed) and stores it; the import presents the plan and the same file and writes
 * exactly that plan, in one transaction, while the school's data is still what the
 * plan was computed from. Removals above the rule (removal-rule.ts) need the admin's
 * confirmation. The import's record keeps the applied plan, whose inverse restores
 * the state before it. Rows carry the school's own ids (external ids), so a second
 * import of the same people updates them instead of adding new ones.
 */
export class ImportService {
  constructor(
    private readonly db: Db,
    /** Told after commit of staff whose role changed, so their sessions end. */
    private readonly rolesChanged: (staffIds: string[]) => Promise<void> = async () => {},
    private readonly check: ImportChecker = checkInPlace,
  ) {}

  /** Checks the file, stores its plan and answers it: nothing else is written. */
  async plan(schoolId: string, bytes: Uint8Array, opts: CheckOptions): Promise<ImportPlanReport> {
    const hash = dataHash(bytes, opts);
    // The roster and its digest from one snapshot: the plan is computed from what the digest names.
    const { roster, version } = await inTransaction(
      this.db,
      async (c) => ({ roster: await readRoster(c, schoolId), version: await rosterVersion(c, schoolId) }),
      'REPEATABLE READ',
    );
    // The CPU-heavy part runs outside any transaction (a 10 MB check outlasts
    // DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS); the digest makes up for it.
    const checked = await this.check({ bytes, encoding: opts.encoding, kind: opts.kind, roster });
    if (checked.issues.length || !checked.plan)
      throw new ImportRejected(checked.issues, checked.issuesNotListed);
    const plan = checked.plan;
    const appointments = await removalsWithAppointments(this.db, plan);
    const summary = summarisePlan(plan, roster, appointments);
    const { rows } = await inTransaction(this.db, async (c) => {
      await c.query(
        `DELETE FROM import_plans WHERE school_id = $1 AND created_at < now() - make_interval(mins => $2)`,
        [schoolId, PLAN_LIFETIME_MINUTES],
      );
      return c.query<{ id: string }>(
        `INSERT INTO import_plans (school_id, kind, data_hash, roster_version, plan, summary, by_staff_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [
          schoolId,
          plan.kind,
          hash,
          version,
          JSON.stringify({ plan, appointments: [...appointments] }),
          JSON.stringify(summary),
          opts.byStaffId,
        ],
      );
    });
    return { ...summary, dryRun: true, planId: rows[0]!.id, importId: null };
  }

  /** Applies the plan the check stored, if the file and the school are still what it was computed from. */
  async import(schoolId: string, bytes: Uint8Array, opts: ImportOptions): Promise<ImportPlanReport> {
    const gone = new DomainError(
      'not_found',
      `No such check: it was imported already, or is more than ${PLAN_LIFETIME_MINUTES} minutes old. Check the file again.`,
    );
    if (!uuid.test(opts.planId)) throw gone;
    const { rows } = await this.db.query<{
      data_hash: string;
      roster_version: string;
      plan: { plan: ImportPlan; appointments: string[] };
      summary: PlanSummary;
    }>(
      `SELECT data_hash, roster_version, plan, summary FROM import_plans
        WHERE id = $1 AND school_id = $2 AND created_at >= now() - make_interval(mins => $3)`,
      [opts.planId, schoolId, PLAN_LIFETIME_MINUTES],
    );
    const stored = rows[0];
    if (!stored) throw gone;
    if (dataHash(bytes, opts) !== stored.data_hash)
      throw stale(
        'This is not the file that was checked (its contents, kind or encoding differ). Nothing was imported: check this file first.',
      );
    const { summary } = stored;
    const { plan, appointments } = stored.plan;
    if (summary.confirmation.needed && !opts.confirmRemovals)
      throw new DomainError(
        'import_confirmation_required',
        `Nothing was imported. Confirm these removals to import: ${summary.confirmation.reasons.join(' ')}`,
        { issues: summary.confirmation.reasons.map((message) => ({ path: 'confirmRemovals', message })) },
      );

    const importId = await inTransaction(
      this.db,
      async (c) => {
        await lockSchool(c, schoolId);
        const before = await rosterVersion(c, schoolId);
        if (before !== stored.roster_version)
          throw stale(
            'The school’s data changed since the check (another import, or a change in the staff screens). Nothing was imported: check the file again.',
          );
        const seen = new Set(appointments);
        const now = await removalsWithAppointments(c, plan);
        if ([...now].some((k) => !seen.has(k)))
          throw stale(
            'An appointment was booked since the check through a link this import removes. Nothing was imported: check the file again.',
          );
        let applied: ImportPlan;
        try {
          applied = await applyPlan(c, schoolId, plan);
        } catch (err) {
          if (pgConstraint(err) === 'family_students_at_most_two')
            throw stale('A student would belong to more than two families. Nothing was imported.');
          throw err;
        }
        const after = await rosterVersion(c, schoolId);
        const recorded = await c.query<{ id: string }>(
          `INSERT INTO imports (school_id, kind, rows, created, updated, removed, by_staff_id,
                                applied, version_before, version_after, confirmed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
          [
            schoolId,
            plan.kind,
            plan.rows,
            summary.created,
            summary.updated,
            summary.removed,
            opts.byStaffId,
            JSON.stringify(applied),
            before,
            after,
            opts.confirmRemovals && summary.confirmation.needed,
          ],
        );
        await c.query('DELETE FROM import_plans WHERE id = $1', [opts.planId]);
        return recorded.rows[0]!.id;
      },
      'REPEATABLE READ',
    );
    const roles = rolesChangedBy(plan.staff);
    if (roles.length) await this.rolesChanged(roles);
    return { ...summary, dryRun: false, planId: null, importId };
  }

  /** The school's latest imports, and which can be undone now. */
  async list(schoolId: string): Promise<ImportRecordList> {
    const [version, { rows }] = await Promise.all([
      rosterVersion(this.db, schoolId),
      this.db.query<{
        id: string;
        kind: ImportKind;
        at: Date;
        rows: number;
        created: number;
        updated: number;
        removed: number;
        restored_at: Date | null;
        version_after: string | null;
        has_plan: boolean;
      }>(
        `SELECT id, kind, at, rows, created, updated, removed, restored_at, version_after,
                applied IS NOT NULL AS has_plan
           FROM imports WHERE school_id = $1 ORDER BY at DESC LIMIT 20`,
        [schoolId],
      ),
    ]);
    return {
      imports: rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        at: r.at.toISOString(),
        rows: r.rows,
        created: r.created,
        updated: r.updated,
        removed: r.removed,
        restoredAt: r.restored_at?.toISOString() ?? null,
        restorable: r.has_plan && !r.restored_at && r.version_after === version,
      })),
    };
  }

  /**
   * Puts back what import `importId` changed: the inverse of the plan it applied.
   * Refused (nothing written) when it would lose anything done since: the school's
   * digest is no longer the one the import left, a person it added is now used
   * elsewhere, or an appointment was booked through a link it added.
   */
  async restore(schoolId: string, importId: string, byStaffId: string | null): Promise<RestoreReport> {
    if (!uuid.test(importId)) throw new DomainError('not_found');
    const inverse = await inTransaction(
      this.db,
      async (c) => {
        await lockSchool(c, schoolId);
        const { rows } = await c.query<{
          applied: ImportPlan | null;
          restored_at: Date | null;
          version_after: string | null;
        }>(
          'SELECT applied, restored_at, version_after FROM imports WHERE id = $1 AND school_id = $2 FOR UPDATE',
          [importId, schoolId],
        );
        const record = rows[0];
        if (!record) throw new DomainError('not_found');
        const refusal = await refusalToRestore(c, record, await rosterVersion(c, schoolId));
        if (refusal) throw new DomainError('import_restore_conflict', refusal);
        const undo = invertPlan(record.applied!);
        await applyPlan(c, schoolId, undo);
        await c.query('UPDATE imports SET restored_at = now(), restored_by = $2 WHERE id = $1', [
          importId,
          byStaffId,
        ]);
        return undo;
      },
      'REPEATABLE READ',
    );
    const roles = rolesChangedBy(inverse.staff);
    if (roles.length) await this.rolesChanged(roles);
    const size = (c: { added: unknown[]; changed: unknown[]; removed: unknown[] }) =>
      c.added.length + c.changed.length + c.removed.length;
    return {
      importId,
      restored:
        size(inverse.staff) +
        size(inverse.students) +
        size(inverse.families) +
        size(inverse.familyLinks) +
        size(inverse.classLinks),
      rolesChanged: roles.length,
    };
  }
}

/**
 * One import or restore per school at a time. Taken first in a REPEATABLE READ
 * transaction, its snapshot may predate a write that committed while this waited:
 * the digest then differs and the request is refused as stale, never applied blind.
 */
async function lockSchool(c: DbClient, schoolId: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`import:${schoolId}`]);
}
