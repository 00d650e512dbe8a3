import { DateTime } from 'luxon';
import type { TransactionEntry, TransactionPage } from '../../../../protocol/transactions.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { requireAdmin } from '../admin/admin-scope.ts';
import { type CsvFile, csvFilename, toCsv } from '../admin/csv-format.ts';
import type { Principal } from '../auth/principal.ts';
import { STAFF_NAME } from './records.service.ts';

const PAGE_MAX = 500;
/** An export is bounded like any other answer; a school with more narrows the dates. */
const EXPORT_MAX = 20_000;

export interface TransactionQuery {
  /** Inclusive, an instant. */
  from?: Date;
  /** Exclusive, an instant. */
  to?: Date;
  limit?: number;
  /** The `next` of the previous page. */
  before?: string;
}

interface Row {
  source: 'booking' | 'change';
  id: string;
  at: Date;
  at_us: string;
  action: string;
  actor_kind: TransactionEntry['actorKind'];
  actor_id: string | null;
  actor_name: string | null;
  event_id: string | null;
  target: Record<string, unknown>;
  detail: unknown;
}

/** A cursor: the row's instant in microseconds (PostgreSQL's precision, not a JS Date's), its source and id. */
function parseCursor(cursor: string): [string, string, string] {
  const m = /^(\d{1,20})\.(booking|change)\.(\d{1,20})$/.exec(cursor);
  if (!m)
    throw new DomainError('invalid_input', 'Unknown page cursor.', {
      issues: [{ path: 'before', message: 'Use the `next` of the previous page.' }],
    });
  return [m[1]!, m[2]!, m[3]!];
}

/**
 * The school's record of every transaction: booking_log (booking and slot
 * changes, written by the booking door in the change's transaction) and audit_log
 * (every other change), newest first. Names are looked up now, as the booking log's
 * view does, so an erased family reads as erased.
 */
export class TransactionsService {
  constructor(private readonly db: Db) {}

  async page(p: Principal, query: TransactionQuery): Promise<TransactionPage> {
    requireAdmin(p);
    const limit = Math.min(Math.max(query.limit ?? 100, 1), PAGE_MAX);
    const rows = await this.read(p.schoolId, query, limit + 1);
    const more = rows.length > limit;
    const kept = more ? rows.slice(0, limit) : rows;
    const last = kept.at(-1);
    return {
      entries: kept.map(toEntry),
      next: more && last ? `${last.at_us}.${last.source}.${last.id}` : null,
    };
  }

  async csv(p: Principal, query: TransactionQuery): Promise<CsvFile> {
    requireAdmin(p);
    const { rows: school } = await this.db.query<{ name: string; time_zone: string }>(
      'SELECT name, time_zone FROM schools WHERE id = $1',
      [p.schoolId],
    );
    const zone = school[0]?.time_zone ?? 'UTC';
    const rows = await this.read(p.schoolId, query, EXPORT_MAX);
    const local = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-LL-dd HH:mm:ss');
    return {
      filename: csvFilename(school[0]?.name ?? 'school', 'transactions'),
      body: toCsv(
        ['When', 'Record', 'Action', 'By', 'By (id)', 'By (name)', 'Event', 'About', 'Detail'],
        rows.map((r) => [
          local(r.at),
          r.source,
          r.action,
          r.actor_kind,
          r.actor_id ?? '',
          r.actor_name ?? '',
          r.event_id ?? '',
          JSON.stringify(r.target),
          JSON.stringify(r.detail),
        ]),
      ),
    };
  }

  private async read(schoolId: string, query: TransactionQuery, limit: number): Promise<Row[]> {
    const cursor = query.before ? parseCursor(query.before) : null;
    const { rows } = await this.db.query<Row>(
      `WITH entries AS (
         SELECT 'booking'::text AS source, l.id::text AS id, l.at, l.action, l.actor_kind, l.actor_id,
                l.event_id,
                jsonb_strip_nulls(jsonb_build_object('bookingId', l.booking_id, 'slotId', l.slot_id,
                  'familyId', l.family_id, 'studentId', l.student_id)) AS target,
                jsonb_strip_nulls(jsonb_build_object('version', l.version, 'override', l.override)) AS detail,
                l.id AS seq
           FROM booking_log l JOIN events e ON e.id = l.event_id
          WHERE e.school_id = $1
         UNION ALL
         SELECT 'change', a.id::text, a.at, a.action, a.actor_kind, a.actor_id,
                CASE WHEN a.target->>'eventId' ~ '^[0-9a-f-]{36}$' THEN (a.target->>'eventId')::uuid END,
                a.target, a.detail, a.id
           FROM audit_log a
          WHERE a.school_id = $1
       )
       SELECT x.source, x.id, x.at, (extract(epoch FROM x.at) * 1000000)::bigint::text AS at_us,
              x.action, x.actor_kind, x.actor_id, x.event_id, x.target, x.detail,
              CASE x.actor_kind
                WHEN 'staff' THEN (SELECT ${STAFF_NAME} FROM staff st WHERE st.id = x.actor_id)
                WHEN 'family' THEN (SELECT fa.surname FROM families fa WHERE fa.id = x.actor_id)
              END AS actor_name
         FROM entries x
        WHERE ($2::timestamptz IS NULL OR x.at >= $2)
          AND ($3::timestamptz IS NULL OR x.at < $3)
          AND ($4::bigint IS NULL
               OR ((extract(epoch FROM x.at) * 1000000)::bigint, x.source, x.seq) < ($4::bigint, $5::text, $6::bigint))
        ORDER BY x.at DESC, x.source DESC, x.seq DESC
        LIMIT $7`,
      [
        schoolId,
        query.from ?? null,
        query.to ?? null,
        cursor?.[0] ?? null,
        cursor?.[1] ?? null,
        cursor?.[2] ?? null,
        limit,
      ],
    );
    return rows;
  }
}

function toEntry(r: Row): TransactionEntry {
  return {
    key: `${r.source}:${r.id}`,
    source: r.source,
    at: r.at.toISOString(),
    action: r.action,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    actorName: r.actor_name,
    eventId: r.event_id,
    target: r.target,
    detail: r.detail,
  };
}
