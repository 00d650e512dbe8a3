import { type Db, inTransaction } from '../../infra/db.ts';

export interface SentLogEntry {
  key: string;
  kind: string;
  schoolId: string | null;
  eventId: string | null;
  recipient: string;
  /**
   * A family's booking mail about `eventId`: sent only while no other mail to the
   * family about the event is being sent, so they arrive in the order they were
   * composed, and a later one never describes an older state than an earlier one.
   */
  familyId?: string | null;
}

/**
 * What one attempt did once it had the mail: sent it (with, for a mail whose calendar
 * file carries the family's whole itinerary, a digest of what it carried), or decided
 * there was nothing to send after all.
 */
export type Attempt<S extends string> = { messageId: string; shows?: string | null } | { skip: S };

/**
 * Another attempt at the same mail, or another booking mail to the same family about
 * the same event, is under way (or died less than a lease ago); retry later.
 */
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
 * - A family's booking mails about one event take turns the same way (`familyId`),
 *   and each is composed only once it has its turn: one composed before a change and
 *   still in the SMTP exchange cannot be overtaken by the change's own mail.
 * Unlike holding a transaction open across the send, nothing here needs PostgreSQL
 * during the SMTP exchange, and no connection is held while a slow server answers.
 */
export class SentLog {
  constructor(
    private readonly db: Db,
    private readonly leaseMs: number,
  ) {}

  async sendOnce<S extends string = never>(
    entry: SentLogEntry,
    send: () => Promise<Attempt<S>>,
  ): Promise<'sent' | 'already_sent' | S> {
    if (!(await this.claim(entry))) {
      if (await this.wasSent(entry.key)) return 'already_sent';
      throw new MailInFlight(entry.key);
    }
    let attempt: Attempt<S>;
    try {
      attempt = await send();
    } catch (err) {
      // This attempt is over, whatever the server got: let the queue's retry claim the
      // mail at once instead of waiting out the lease. If this write fails too, the
      // lease runs out by itself.
      await this.release(entry.key);
      throw err;
    }
    if ('skip' in attempt) {
      // Nothing went out in this attempt. A mail tried before with an unknown outcome
      // keeps its row (it may have arrived); a fresh claim leaves no trace.
      await this.db.query(`DELETE FROM email_log WHERE key = $1 AND state = 'sending' AND attempts = 1`, [
        entry.key,
      ]);
      await this.release(entry.key);
      return attempt.skip;
    }
    try {
      await this.db.query(
        `UPDATE email_log SET state = 'sent', message_id = $2, sent_at = now(), shows = $3 WHERE key = $1`,
        [entry.key, attempt.messageId, attempt.shows ?? null],
      );
    } catch (err) {
      // The server may have the mail; we could not record it. The retry sends it again
      // at once, with the same Message-ID (at-least-once, above).
      await this.release(entry.key);
      throw err;
    }
    return 'sent';
  }

  /**
   * Whether a mail already sent to the family about the event carried exactly this
   * state (`shows`): a confirmation or change mail composed now would repeat it.
   */
  async alreadyShown(familyId: string, eventId: string, shows: string, key: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `SELECT 1 FROM email_log
        WHERE family_id = $1 AND event_id = $2 AND state = 'sent' AND shows = $3 AND key <> $4 LIMIT 1`,
      [familyId, eventId, shows, key],
    );
    return (rowCount ?? 0) > 0;
  }

  private release(key: string): Promise<unknown> {
    return this.db
      .query(`UPDATE email_log SET claimed_at = '-infinity' WHERE key = $1 AND state = 'sending'`, [key])
      .catch(() => {});
  }

  /** Takes the mail for this attempt; false while another attempt has it (or it was sent). */
  private async claim(entry: SentLogEntry): Promise<boolean> {
    if (!entry.familyId || !entry.eventId) return this.insertClaim(this.db, entry);
    const { familyId, eventId } = entry;
    // One family and event at a time: the lock makes "nothing else in flight" and the
    // claim one step, so two workers cannot both see the other idle and both send.
    return inTransaction(this.db, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `mail:${familyId}:${eventId}`,
      ]);
      const busy = await client.query(
        `SELECT 1 FROM email_log
          WHERE family_id = $1 AND event_id = $2 AND key <> $3 AND state = 'sending'
            AND claimed_at > now() - make_interval(secs => $4::double precision / 1000)
          LIMIT 1`,
        [familyId, eventId, entry.key, this.leaseMs],
      );
      if ((busy.rowCount ?? 0) > 0) return false;
      return this.insertClaim(client, entry);
    });
  }

  private async insertClaim(q: Pick<Db, 'query'>, entry: SentLogEntry): Promise<boolean> {
    const claimed = await q.query(
      `INSERT INTO email_log (key, kind, school_id, event_id, recipient, state, attempts, claimed_at, family_id)
       VALUES ($1, $2, $3, $4, $5, 'sending', 1, now(), $7)
       ON CONFLICT (key) DO UPDATE
          SET attempts = email_log.attempts + 1, claimed_at = now(), recipient = EXCLUDED.recipient
        WHERE email_log.state = 'sending'
          AND email_log.claimed_at <= now() - make_interval(secs => $6::double precision / 1000)
       RETURNING attempts`,
      [
        entry.key,
        entry.kind,
        entry.schoolId,
        entry.eventId,
        entry.recipient,
        this.leaseMs,
        entry.familyId ?? null,
      ],
    );
    return (claimed.rowCount ?? 0) > 0;
  }

  async wasSent(key: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM email_log WHERE key = $1 AND state = 'sent'`, [
      key,
    ]);
    return (rowCount ?? 0) > 0;
  }
}
