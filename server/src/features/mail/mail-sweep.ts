import type { EmailJob } from '../../../../protocol/jobs.ts';
import type { Db } from '../../infra/db.ts';

export interface MailSweepSettings {
  reminderHoursBefore: number;
  teacherScheduleHour: number;
}

/**
 * Finds reminders and teachers' day schedules that are due (never for a school the
 * operator has suspended: its people cannot sign in to act on them), and replies to feedback
 * whose mail was never queued, that are not yet sent. Safe
 * to run on any number of workers at once: what it returns becomes jobs with
 * deterministic ids, and the sent-log stops a second send.
 */
export async function dueScheduledMail(db: Db, s: MailSweepSettings): Promise<EmailJob[]> {
  // A family is reminded once its first appointment is within the reminder window,
  // unless it confirmed inside that window (its confirmation mail is reminder enough).
  const { rows: reminders } = await db.query<{ event_id: string; family_id: string }>(
    `SELECT b.event_id, b.family_id
       FROM bookings b
       JOIN events e ON e.id = b.event_id
       JOIN schools sc ON sc.id = e.school_id
       JOIN families f ON f.id = b.family_id
      WHERE b.status = 'confirmed' AND e.archived_at IS NULL AND f.email IS NOT NULL
        AND sc.suspended_at IS NULL
      GROUP BY b.event_id, b.family_id
     HAVING min(b.starts_at) > now()
        AND min(b.starts_at) <= now() + make_interval(secs => $1::double precision * 3600)
        AND max(b.confirmed_at) < min(b.starts_at) - make_interval(secs => $1::double precision * 3600)
        AND NOT EXISTS (SELECT 1 FROM email_log l
                         WHERE l.key = 'email.' || b.event_id || '-' || b.family_id || '.reminder')
      LIMIT 5000`,
    [s.reminderHoursBefore],
  );
  // Teachers get the day's list from the configured school-local hour on the day;
  // "the day" and "the hour" are the school's, computed by PostgreSQL in its zone.
  const { rows: schedules } = await db.query<{ event_id: string; staff_id: string; day: string }>(
    `SELECT b.event_id, b.staff_id, to_char(now() AT TIME ZONE sc.time_zone, 'YYYY-MM-DD') AS day
       FROM bookings b
       JOIN events e ON e.id = b.event_id
       JOIN schools sc ON sc.id = e.school_id
      WHERE b.status = 'confirmed' AND e.archived_at IS NULL AND b.starts_at > now()
        AND sc.suspended_at IS NULL
        AND (b.starts_at AT TIME ZONE sc.time_zone)::date = (now() AT TIME ZONE sc.time_zone)::date
        AND extract(hour FROM now() AT TIME ZONE sc.time_zone) >= $1
      GROUP BY b.event_id, b.staff_id, sc.time_zone
     HAVING NOT EXISTS (SELECT 1 FROM email_log l
                         WHERE l.key = 'email.' || b.event_id || '-' || b.staff_id || '-'
                                       || to_char(now() AT TIME ZONE sc.time_zone, 'YYYY-MM-DD')
                                       || '.teacher-schedule')
      LIMIT 5000`,
    [s.teacherScheduleHour],
  );
  // A reply to feedback whose mail was not queued (Redis down at the moment of the
  // reply): the reply is committed, so its mail is owed. Within a week only, so a
  // mail that could not be sent for good is not tried for ever.
  const { rows: replies } = await db.query<{ feedback_id: string; reply_id: string }>(
    `SELECT r.feedback_id, r.id::text AS reply_id
       FROM feedback_replies r JOIN feedback f ON f.id = r.feedback_id
      WHERE f.email IS NOT NULL AND r.at > now() - interval '7 days' AND r.at < now() - interval '1 minute'
        AND NOT EXISTS (SELECT 1 FROM email_log l
                         WHERE l.key = 'email.' || r.feedback_id || '-' || r.id || '.feedback-reply')
      LIMIT 5000`,
  );
  return [
    ...replies.map(
      (r): EmailJob => ({ kind: 'feedback-reply', feedbackId: r.feedback_id, replyId: r.reply_id }),
    ),
    ...reminders.map((r): EmailJob => ({ kind: 'reminder', eventId: r.event_id, familyId: r.family_id })),
    ...schedules.map(
      (r): EmailJob => ({ kind: 'teacher-schedule', eventId: r.event_id, staffId: r.staff_id, date: r.day }),
    ),
  ];
}
