import { type Db, inTransaction } from '../../infra/db.ts';

export interface PurgeResult {
  eventId: string;
  families: number;
  students: number;
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
   * Takes the personal data out of one archived event. Its bookings and booking-log
   * rows are re-pointed at placeholder families and students made for this event
   * (one per family and per child, keeping year group and class), notes and e-mail
   * addresses are blanked, and the event's waiting lists and offers are dropped. The
   * school's live families and students are not touched: the same family may be
   * booking this term, and erasing a person is the school's decision (family erasure),
   * not a side effect of an old event. Counts — bookings by status, distinct families
   * and children, year groups — stay what they were.
   */
  async purgeEvent(eventId: string): Promise<PurgeResult | null> {
    return inTransaction(this.db, async (c) => {
      // SKIP LOCKED: a second worker running the same sweep moves on to other events.
      const { rows: ev } = await c.query<{ school_id: string }>(
        `SELECT school_id FROM events WHERE id = $1 AND archived_at IS NOT NULL AND purged_at IS NULL
           FOR UPDATE SKIP LOCKED`,
        [eventId],
      );
      if (!ev[0]) return null;
      const schoolId = ev[0].school_id;
      await c.query(`SET LOCAL confer.retention = 'on'`);
      await c.query(`UPDATE bookings SET note = '' WHERE event_id = $1 AND note <> ''`, [eventId]);
      await c.query(
        `UPDATE booking_notes n SET body = '' FROM bookings b
          WHERE b.id = n.booking_id AND b.event_id = $1 AND n.body <> ''`,
        [eventId],
      );
      const { rows: fams } = await c.query<{ old_id: string; new_id: string }>(
        `WITH people AS (SELECT DISTINCT family_id AS old_id, gen_random_uuid() AS new_id FROM bookings WHERE event_id = $1),
              made AS (
                INSERT INTO families (id, school_id, surname, placeholder, erased_at)
                SELECT new_id, $2, 'Former family ' || upper(left(new_id::text, 8)), true, now() FROM people
                RETURNING id)
         SELECT old_id, new_id FROM people`,
        [eventId, schoolId],
      );
      const { rows: stus } = await c.query<{ old_id: string; new_id: string }>(
        `WITH people AS (
                SELECT st.id AS old_id, gen_random_uuid() AS new_id, st.year_group, st.class_name
                  FROM students st WHERE st.id IN (SELECT student_id FROM bookings WHERE event_id = $1)),
              made AS (
                INSERT INTO students (id, school_id, first_name, surname, year_group, class_name, placeholder)
                SELECT new_id, $2, 'Former student', upper(left(new_id::text, 8)), year_group, class_name, true
                  FROM people
                RETURNING id)
         SELECT old_id, new_id FROM people`,
        [eventId, schoolId],
      );
      const famMap = [fams.map((f) => f.old_id), fams.map((f) => f.new_id)];
      const stuMap = [stus.map((s) => s.old_id), stus.map((s) => s.new_id)];
      // Constraints are per family/child and the mapping is one-to-one, so re-pointing
      // cannot make two of the event's bookings clash.
      await c.query(
        `UPDATE bookings b SET family_id = m.new_id
           FROM unnest($2::uuid[], $3::uuid[]) AS m(old_id, new_id)
          WHERE b.event_id = $1 AND b.family_id = m.old_id`,
        [eventId, ...famMap],
      );
      await c.query(
        `UPDATE bookings b SET student_id = m.new_id
           FROM unnest($2::uuid[], $3::uuid[]) AS m(old_id, new_id)
          WHERE b.event_id = $1 AND b.student_id = m.old_id`,
        [eventId, ...stuMap],
      );
      await c.query(
        `WITH fmap AS (SELECT * FROM unnest($2::uuid[], $3::uuid[]) AS m(old_id, new_id)),
              smap AS (SELECT * FROM unnest($4::uuid[], $5::uuid[]) AS m(old_id, new_id))
         UPDATE booking_log l
            SET family_id = coalesce((SELECT new_id FROM fmap WHERE old_id = l.family_id), l.family_id),
                student_id = coalesce((SELECT new_id FROM smap WHERE old_id = l.student_id), l.student_id),
                actor_id = CASE WHEN l.actor_kind = 'family'
                                THEN coalesce((SELECT new_id FROM fmap WHERE old_id = l.actor_id), l.actor_id)
                                ELSE l.actor_id END
          WHERE l.event_id = $1`,
        [eventId, ...famMap, ...stuMap],
      );
      // Queues of the night are operational, not a record: they go.
      for (const table of ['offers', 'waitlist_entries', 'fair_start_requests', 'fair_start_entries']) {
        await c.query(`DELETE FROM ${table} WHERE event_id = $1`, [eventId]);
      }
      await c.query('UPDATE email_log SET recipient = NULL WHERE event_id = $1', [eventId]);
      await c.query('UPDATE events SET purged_at = now() WHERE id = $1', [eventId]);
      return { eventId, families: fams.length, students: stus.length };
    });
  }

  /**
   * Stored answers of retried writes carry names (a booking's student and teacher, a
   * note); they are only needed for as long as a client may retry, so they go after a day.
   */
  async forgetIdempotencyKeys(olderThanHours = 24): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
      [olderThanHours],
    );
    return rowCount ?? 0;
  }
}
