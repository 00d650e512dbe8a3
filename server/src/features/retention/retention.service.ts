import { type Db, inTransaction } from '../../infra/db.ts';

export interface PurgeResult {
  eventId: string;
  families: number;
  students: number;
  /** Token digests of sessions ended because their family was anonymised. */
  revokedTokenHashes: string[];
}

// When an event is over: its last appointment, or the close of booking if it had none.
const EVENT_END = `greatest(e.booking_closes_at,
  coalesce((SELECT max(s.ends_at) FROM slots s WHERE s.event_id = e.id), e.booking_closes_at))`;

/**
 * Archives past events and, after each school's retention period, replaces the
 * personal data in them by placeholders. Archived events stay visible to their
 * school, with the full booking log (which holds only ids), but no longer change:
 * the booking service refuses changes once `archived_at` is set.
 */
export class RetentionService {
  constructor(private readonly db: Db) {}

  /** Archives every event that ended more than `afterDays` days ago; returns their ids. */
  async archiveEnded(afterDays: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE events e SET archived_at = now()
        WHERE e.archived_at IS NULL
          AND ${EVENT_END} < now() - make_interval(secs => $1::double precision * 86400)
        RETURNING e.id`,
      [afterDays],
    );
    return rows.map((r) => r.id);
  }

  /** Purges every archived event past its school's retention period, one transaction each. */
  async purgeDue(): Promise<PurgeResult[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT e.id FROM events e JOIN schools sc ON sc.id = e.school_id
        WHERE e.archived_at IS NOT NULL AND e.purged_at IS NULL
          AND ${EVENT_END} < now() - make_interval(days => sc.retention_days)
        ORDER BY e.archived_at LIMIT 100`,
    );
    const out: PurgeResult[] = [];
    for (const { id } of rows) {
      const done = await this.purgeEvent(id);
      if (done) out.push(done);
    }
    return out;
  }

  /**
   * Replaces names, e-mail addresses and notes by placeholders. Families and
   * students are anonymised only when no event that still keeps its data refers
   * to them (a family with a booking next term keeps its name until that event
   * is purged too). Rows stay, so counts — bookings by status, families, students,
   * year groups — are what they were.
   */
  async purgeEvent(eventId: string): Promise<PurgeResult | null> {
    return inTransaction(this.db, async (c) => {
      // SKIP LOCKED: a second worker running the same sweep moves on to other events.
      const { rowCount } = await c.query(
        `SELECT 1 FROM events WHERE id = $1 AND archived_at IS NOT NULL AND purged_at IS NULL
           FOR UPDATE SKIP LOCKED`,
        [eventId],
      );
      if (!rowCount) return null;
      await c.query(`UPDATE bookings SET note = '' WHERE event_id = $1 AND note <> ''`, [eventId]);
      await c.query(
        `UPDATE booking_notes n SET body = '' FROM bookings b
          WHERE b.id = n.booking_id AND b.event_id = $1 AND n.body <> ''`,
        [eventId],
      );
      const { rows: fams } = await c.query<{ id: string }>(
        `UPDATE families f
            SET surname = 'Family ' || upper(left(f.id::text, 8)), email = NULL,
                access_code_hash = NULL, external_id = NULL
          WHERE f.id IN (SELECT family_id FROM bookings WHERE event_id = $1)
            AND NOT EXISTS (SELECT 1 FROM bookings b2 JOIN events e2 ON e2.id = b2.event_id
                             WHERE b2.family_id = f.id AND e2.id <> $1 AND e2.purged_at IS NULL)
          RETURNING f.id`,
        [eventId],
      );
      const { rows: stus } = await c.query<{ id: string }>(
        `UPDATE students st
            SET first_name = 'Student', surname = upper(left(st.id::text, 8)), external_id = NULL
          WHERE st.id IN (SELECT student_id FROM bookings WHERE event_id = $1)
            AND NOT EXISTS (SELECT 1 FROM bookings b2 JOIN events e2 ON e2.id = b2.event_id
                             WHERE b2.student_id = st.id AND e2.id <> $1 AND e2.purged_at IS NULL)
          RETURNING st.id`,
        [eventId],
      );
      const familyIds = fams.map((f) => f.id);
      const { rows: sessions } = await c.query<{ token_hash: string }>(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = 'retention'
          WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL RETURNING token_hash`,
        [familyIds],
      );
      // Stored answers of the family's booking requests carry names too.
      await c.query('DELETE FROM idempotency_keys WHERE principal = ANY($1::text[])', [
        familyIds.map((id) => `family:${id}`),
      ]);
      await c.query('UPDATE email_log SET recipient = NULL WHERE event_id = $1', [eventId]);
      await c.query('UPDATE events SET purged_at = now() WHERE id = $1', [eventId]);
      return {
        eventId,
        families: familyIds.length,
        students: stus.length,
        revokedTokenHashes: sessions.map((s) => s.token_hash),
      };
    });
  }
}
