import type { Db } from '../../infra/db.ts';

export interface SentLogEntry {
  key: string;
  kind: string;
  schoolId: string | null;
  eventId: string | null;
  recipient: string;
}

/** Another attempt at the same mail is under way (or died less than a lease ago); retry later. */
export class MailInFlight extends Error {
  constructor(key: string) {
    super(`mail ${key} is being sent by another attempt`);
  }
}

/**
 * One mail per key, recorded in two committed steps around the SMTP exchange:
 * 'sending' before it, 'sent' after it.
 * - A retry that finds 'sent' sends nothing (exactly once where the outcome is known).
 * - A retry that finds 'sending' cannot know whether the server accepted the first
 *   try: the "250" may have arrived while our write of 'sent' failed (PostgreSQL
 *   stopped, the worker killed). It sends again, with the same Message-ID, so the
 *   copy is recognisably the same mail: at-least-once where the outcome is unknown.
 *   Losing a confirmation is worse than a recognisable duplicate.
 * - While an attempt is under way (claimed less than `leaseMs` ago) no other attempt
 *   sends in parallel; the lease outlasts the mailer's own time-outs.
 * Unlike holding a transaction open across the send, nothing here needs PostgreSQL
 * during the SMTP exchange, and no connection is held while a slow server answers.
 */
export class SentLog {
  constructor(
    private readonly db: Db,
    private readonly leaseMs: number,
  ) {}

  async sendOnce(
    entry: SentLogEntry,
    send: () => Promise<{ messageId: string }>,
  ): Promise<'sent' | 'already_sent'> {
    const claimed = await this.db.query(
      `INSERT INTO email_log (key, kind, school_id, event_id, recipient, state, attempts, claimed_at)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, now())
       ON CONFLICT (key) DO UPDATE
          SET attempts = email_log.attempts + 1, claimed_at = now(), recipient = EXCLUDED.recipient
        WHERE email_log.state = 'sending'
          AND email_log.claimed_at <= now() - make_interval(secs => $6::double precision / 1000)
       RETURNING attempts`,
      [entry.key, entry.kind, entry.schoolId, entry.eventId, entry.recipient, this.leaseMs],
    );
    if (claimed.rowCount === 0) {
      if (await this.wasSent(entry.key)) return 'already_sent';
      throw new MailInFlight(entry.key);
    }
    try {
      const { messageId } = await send();
      await this.db.query(
        `UPDATE email_log SET state = 'sent', message_id = $2, sent_at = now() WHERE key = $1`,
        [entry.key, messageId],
      );
      return 'sent';
    } catch (err) {
      // This attempt is over, whatever the server got: let the queue's retry claim the
      // mail at once instead of waiting out the lease. If this write fails too, the
      // lease runs out by itself.
      await this.db
        .query(`UPDATE email_log SET claimed_at = '-infinity' WHERE key = $1 AND state = 'sending'`, [
          entry.key,
        ])
        .catch(() => {});
      throw err;
    }
  }

  async wasSent(key: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM email_log WHERE key = $1 AND state = 'sent'`, [
      key,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
