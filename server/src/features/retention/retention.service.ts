import { type Db, type DbClient, inTransaction } from '../../infra/db.ts';
import { PLAN_LIFETIME_MINUTES } from '../import/import.service.ts';
import { recordChange } from '../records/audit-log.ts';
import { ANONYMOUS_FAMILY_SET, ANONYMOUS_STUDENT_SET, forgetFamiliesTraces } from './anonymous-people.ts';
import type { RetentionRedis } from './retention-redis.ts';
import {
  FEEDBACK_RETENTION_DAYS,
  FINISHED_MAIL_JOB_DAYS,
  IDEMPOTENCY_ANSWER_HOURS,
  SERVICE_RECORD_DAYS,
  SPENT_LINK_HOURS,
} from './retention-rules.ts';

export interface PurgeResult {
  eventId: string;
  families: number;
  students: number;
}

export interface SweepResult {
  archived: string[];
  purgedEvents: PurgeResult[];
  /** Rows changed or removed per table by the age rules (only tables with a change). */
  purged: Record<string, number>;
}

// When an event is over: its last appointment, or the close of booking if it had none.
const EVENT_END = `greatest(e.booking_closes_at,
  coalesce((SELECT max(s.ends_at) FROM slots s WHERE s.event_id = e.id), e.booking_closes_at))`;

// The school's cut-off: anything older than this is past its retention period.
const CUTOFF = 'now() - make_interval(days => sc.retention_days)';
const SERVICE_CUTOFF = `now() - make_interval(days => ${SERVICE_RECORD_DAYS})`;

// What feedback becomes once its own period is over (the subject marks it as done).
const REMOVED = 'Removed after the retention period';

/**
 * Every table that holds personal data, and the rule that empties it, in one list:
 * a new table with personal data belongs here (test/integration/workers-retention.test.ts
 * searches every text column of every table after a sweep, so one forgotten fails it).
 * The rules in words are retention-rules.ts; both say the same.
 *
 * Not here, on purpose: `staff` (accounts the school manages itself: it deactivates a
 * leaver; only their spent links go, below) and, for the same reason, `interpreters` (the
 * school's own contacts: it deletes one it no longer uses, and their windows, links,
 * sessions and reservations go with them), `schools` and `operators` (the parties
 * themselves), and tables of counts or ids only (`traffic_daily`, `connection_peaks`,
 * `slots`, `availability`). An evening's `booking_interpreters` rows stay when it is
 * detached: they point at the booking, which then points at placeholders, and keep who
 * interpreted in which language, as counts do.
 */
const AGE_RULES: { table: string; sql: string }[] = [
  {
    // A session ends after the idle time-out; its row (who, when) goes after the period.
    table: 'sessions',
    sql: `DELETE FROM sessions x USING schools sc
           WHERE x.school_id = sc.id AND x.last_seen_at < ${CUTOFF} RETURNING x.token_hash`,
  },
  {
    // Spent at the earlier of its use (or retirement, which sets used_at; least() skips a
    // null) and its expiry; one not yet spent still signs its interpreter in and stays.
    // Interpreters' sessions are sessions, under the rule above.
    table: 'interpreter_links',
    sql: `DELETE FROM interpreter_links
           WHERE least(used_at, expires_at) < now() - make_interval(hours => ${SPENT_LINK_HOURS})`,
  },
  {
    // The same for invitation and password-reset links: retirement (a newer link of the
    // purpose, the account's deactivation) sets used_at too; one not yet spent still sets
    // its password and stays. The account itself is the school's (see above).
    table: 'staff_links',
    sql: `DELETE FROM staff_links
           WHERE least(used_at, expires_at) < now() - make_interval(hours => ${SPENT_LINK_HOURS})`,
  },
  {
    table: 'email_log',
    sql: `UPDATE email_log l SET recipient = NULL FROM schools sc
           WHERE l.school_id = sc.id AND l.recipient IS NOT NULL AND l.sent_at < ${CUTOFF}`,
  },
  {
    table: 'email_log (no school)',
    sql: `UPDATE email_log SET recipient = NULL
           WHERE school_id IS NULL AND recipient IS NOT NULL AND sent_at < ${SERVICE_CUTOFF}`,
  },
  {
    // A mail row older than any period will never be relayed: it names a family by id.
    table: 'outbox',
    sql: `DELETE FROM outbox o USING events e JOIN schools sc ON sc.id = e.school_id
           WHERE o.event_id = e.id AND o.created_at < ${CUTOFF}`,
  },
  {
    table: 'audit_log',
    sql: `DELETE FROM audit_log a USING schools sc WHERE a.school_id = sc.id AND a.at < ${CUTOFF}`,
  },
  {
    table: 'audit_log (no school)',
    sql: `DELETE FROM audit_log WHERE school_id IS NULL AND at < ${SERVICE_CUTOFF}`,
  },
  {
    table: 'feedback_replies',
    sql: `UPDATE feedback_replies r SET body = '${REMOVED}.' FROM feedback f
           WHERE f.id = r.feedback_id AND r.body <> '${REMOVED}.'
             AND greatest(f.updated_at, (SELECT max(at) FROM feedback_replies o WHERE o.feedback_id = f.id))
                 < now() - make_interval(days => ${FEEDBACK_RETENTION_DAYS})`,
  },
  {
    table: 'feedback',
    sql: `UPDATE feedback f SET name = '', email = NULL, family_id = NULL, staff_id = NULL, secret_sealed = NULL,
                 language = NULL, subject = '${REMOVED}', body = '${REMOVED}.'
           WHERE f.subject <> '${REMOVED}'
             AND greatest(f.updated_at, (SELECT max(at) FROM feedback_replies o WHERE o.feedback_id = f.id))
                 < now() - make_interval(days => ${FEEDBACK_RETENTION_DAYS})`,
  },
  {
    // A plan lists names; the import deletes its own, the sweep the ones never imported.
    table: 'import_plans',
    sql: `DELETE FROM import_plans WHERE created_at < now() - make_interval(mins => ${PLAN_LIFETIME_MINUTES})`,
  },
  {
    // What an import changed (its inverse, with names) is what lets it be undone: kept for the period.
    table: 'imports',
    sql: `UPDATE imports i SET applied = NULL FROM schools sc
           WHERE i.school_id = sc.id AND i.applied IS NOT NULL AND i.at < ${CUTOFF}`,
  },
  {
    // Stored answers of retried writes carry names (a booking's student and teacher, a note).
    table: 'idempotency_keys',
    sql: `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_ANSWER_HOURS})`,
  },
];

/**
 * The retention sweep (docs/workers.md, "Retention"): archives past events, detaches
 * old events from the school's people, anonymises the people who have left, and
 * empties every other table of personal data by its age. Everything is keyed to the
 * school's own period (`schools.retention_days`), except feedback (its own period)
 * and records of no school. Only anonymous counts remain after it.
 */
export class RetentionService {
  constructor(
    private readonly db: Db,
    private readonly redis: RetentionRedis | null = null,
  ) {}

  async sweep(archiveAfterDays: number): Promise<SweepResult> {
    const archived = await this.archiveEnded(archiveAfterDays);
    const purgedEvents = await this.purgeDue();
    const purged: Record<string, number> = {};
    const count = (table: string, n: number) => {
      if (n) purged[table] = (purged[table] ?? 0) + n;
    };
    const { rows: schools } = await this.db.query<{ id: string }>('SELECT id FROM schools ORDER BY id');
    for (const { id } of schools) {
      const people = await this.purgeFormerPeople(id);
      count('families', people.families);
      count('students', people.students);
    }
    await inTransaction(this.db, async (c) => {
      // The one delete the audit log allows besides a school's removal (migration 020).
      await c.query(`SET LOCAL confer.retention_purge = 'on'`);
      for (const rule of AGE_RULES) {
        const r = await c.query<{ token_hash?: string }>(rule.sql);
        count(rule.table, r.rowCount ?? 0);
        if (rule.table === 'sessions' && r.rows.length)
          await this.redis?.forgetSessions(r.rows.map((s) => s.token_hash!));
      }
    });
    if (this.redis)
      count(
        'redis e-mail jobs',
        await this.redis.dropFinishedMail(new Date(Date.now() - FINISHED_MAIL_JOB_DAYS * 86_400_000)),
      );
    return { archived, purgedEvents, purged };
  }

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
          AND ${EVENT_END} < ${CUTOFF}
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
   * (one per family and per child, keeping the year group), notes and e-mail
   * addresses are blanked, and the event's waiting lists, offers and undelivered mail
   * rows are dropped. The school's families are not touched here: the same family may
   * be booking this term; a family that has left is anonymised by purgeFormerPeople.
   * Counts — bookings by status, distinct families and children, year groups — stay
   * what they were.
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
                SELECT st.id AS old_id, gen_random_uuid() AS new_id, st.year_group
                  FROM students st WHERE st.id IN (SELECT student_id FROM bookings WHERE event_id = $1)),
              made AS (
                INSERT INTO students (id, school_id, first_name, surname, year_group, placeholder)
                SELECT new_id, $2, 'Former student', upper(left(new_id::text, 8)), year_group, true
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
      for (const table of [
        'offers',
        'waitlist_entries',
        'fair_start_requests',
        'fair_start_entries',
        'outbox',
      ]) {
        await c.query(`DELETE FROM ${table} WHERE event_id = $1`, [eventId]);
      }
      await c.query('UPDATE email_log SET recipient = NULL WHERE event_id = $1', [eventId]);
      await c.query('UPDATE events SET purged_at = now() WHERE id = $1', [eventId]);
      // The record of transactions says the worker did it (counts only, like what remains).
      await recordChange(c, {
        schoolId,
        actorKind: 'worker',
        actorId: null,
        action: 'retentionPurgeEvent',
        target: { eventId },
        detail: { after: { families: fams.length, students: stus.length } },
      });
      return { eventId, families: fams.length, students: stus.length };
    });
  }

  /**
   * Anonymises the families and children who have left: not on the roll (a child on
   * no class list; a family none of whose children is on one) and seen in no evening,
   * sign-in or change within the school's period. A family or child still on the roll
   * is kept however long ago it booked: the school needs it for the next evening, and
   * the roll is the school's to keep (its imports drop leavers from class lists).
   */
  async purgeFormerPeople(schoolId: string): Promise<{ families: number; students: number }> {
    const tokenHashes: string[] = [];
    const done = await inTransaction(this.db, async (c) => {
      tokenHashes.length = 0;
      const cutoff = await schoolCutoff(c, schoolId);
      if (!cutoff) return { families: 0, students: 0 };
      // Evenings within the period: not ended, or ended after the cut-off.
      const recent = `SELECT e.id FROM events e WHERE e.school_id = $1 AND ${EVENT_END} >= $2`;
      const { rows: families } = await c.query<{ id: string; email: string | null }>(
        `SELECT f.id, f.email FROM families f
          WHERE f.school_id = $1 AND f.erased_at IS NULL AND f.created_at < $2
            AND NOT EXISTS (SELECT 1 FROM family_students fs JOIN teacher_students ts ON ts.student_id = fs.student_id
                             WHERE fs.family_id = f.id)
            AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.family_id = f.id AND s.last_seen_at >= $2)
            AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.family_id = f.id AND b.event_id IN (${recent}))
            AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.family_id = f.id AND w.event_id IN (${recent}))
            AND NOT EXISTS (SELECT 1 FROM fair_start_entries x WHERE x.family_id = f.id AND x.event_id IN (${recent}))
          FOR UPDATE`,
        [schoolId, cutoff],
      );
      const familyIds = families.map((f) => f.id);
      if (familyIds.length) {
        await c.query(
          `UPDATE families SET ${ANONYMOUS_FAMILY_SET}, placeholder = true WHERE id = ANY($1::uuid[])`,
          [familyIds],
        );
        await c.query('DELETE FROM family_students WHERE family_id = ANY($1::uuid[])', [familyIds]);
        const { rows: ended } = await c.query<{ token_hash: string }>(
          'DELETE FROM sessions WHERE family_id = ANY($1::uuid[]) RETURNING token_hash',
          [familyIds],
        );
        tokenHashes.push(...ended.map((s) => s.token_hash));
        await forgetFamiliesTraces(c, schoolId, families);
      }
      const { rows: students } = await c.query<{ id: string }>(
        `UPDATE students st SET ${ANONYMOUS_STUDENT_SET}, class_name = '', placeholder = true
          WHERE st.school_id = $1 AND NOT st.placeholder AND st.created_at < $2
            AND NOT EXISTS (SELECT 1 FROM teacher_students ts WHERE ts.student_id = st.id)
            AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.student_id = st.id AND b.event_id IN (${recent}))
            AND NOT EXISTS (SELECT 1 FROM waitlist_entries w WHERE w.student_id = st.id AND w.event_id IN (${recent}))
          RETURNING st.id`,
        [schoolId, cutoff],
      );
      if (students.length)
        await c.query('DELETE FROM family_students WHERE student_id = ANY($1::uuid[])', [
          students.map((s) => s.id),
        ]);
      if (familyIds.length || students.length)
        await recordChange(c, {
          schoolId,
          actorKind: 'worker',
          actorId: null,
          action: 'retentionPurgePeople',
          target: {},
          detail: { after: { families: familyIds.length, students: students.length } },
        });
      return { families: familyIds.length, students: students.length };
    });
    // After the commit: a cached session would otherwise sign the family in until its idle time-out.
    if (tokenHashes.length) await this.redis?.forgetSessions(tokenHashes);
    return done;
  }
}

async function schoolCutoff(c: DbClient, schoolId: string): Promise<Date | null> {
  const { rows } = await c.query<{ cutoff: Date }>(
    `SELECT ${CUTOFF} AS cutoff FROM schools sc WHERE sc.id = $1`,
    [schoolId],
  );
  return rows[0]?.cutoff ?? null;
}
