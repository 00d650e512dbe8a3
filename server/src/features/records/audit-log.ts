import type { Queryable } from '../../infra/db.ts';
import { recordedDetail } from './audit-detail.ts';

export type AuditActorKind = 'family' | 'staff' | 'interpreter' | 'operator' | 'public' | 'worker';

/** One change, as the record of transactions keeps it (migration 020). */
export interface AuditEntry {
  schoolId: string | null;
  actorKind: AuditActorKind;
  actorId: string | null;
  /** The OpenAPI operationId, or a worker's job name. */
  action: string;
  /** The ids the change was about. */
  target: Record<string, unknown>;
  /** What was asked (masked here), and before/after where a writer kept them. */
  detail?: { request?: unknown; before?: unknown; after?: unknown; [key: string]: unknown };
}

/**
 * Writes the record of transactions' non-booking half. Takes a Queryable so a writer
 * that has a transaction open (a worker's purge, a draw) records in it; the HTTP edge
 * records after the handler's own commit.
 */
export async function recordChange(q: Queryable, entry: AuditEntry): Promise<void> {
  const detail: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.detail ?? {}))
    if (value !== undefined) detail[key] = recordedDetail(value);
  await q.query(
    `INSERT INTO audit_log (school_id, actor_kind, actor_id, action, target, detail)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      entry.schoolId,
      entry.actorKind,
      entry.actorId,
      entry.action,
      JSON.stringify(recordedDetail(entry.target) ?? {}),
      JSON.stringify(detail),
    ],
  );
}
