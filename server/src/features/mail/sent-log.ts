import type { Db } from '../../infra/db.ts';

export interface SentLogEntry {
  key: string;
  kind: string;
  schoolId: string | null;
  eventId: string | null;
  recipient: string;
}

/**
 * At most one send per key. The log row is inserted first in a transaction that
 * stays open while the message goes over SMTP and commits as soon as the server
 * has accepted it:
 * - a crash after the commit (before the job is acknowledged) leaves the row, so
 *   the retry finds it and does not send again;
 * - a crash during the send rolls the row back (the connection dies with the
 *   process), so the retry sends — the SMTP server never accepted the first try;
 * - two workers on the same key: the second's insert waits on the first's
 *   uncommitted row and then finds it, instead of sending in parallel.
 * What remains is the instant between the server's "250 OK" and our COMMIT.
 */
export class SentLog {
  constructor(private readonly db: Db) {}

  async sendOnce(
    entry: SentLogEntry,
    send: () => Promise<{ messageId: string }>,
  ): Promise<'sent' | 'already_sent'> {
    const client = await this.db.connect();
    // A connection lost while checked out reports on the client, not the pool;
    // the failing query rejects anyway, so the event itself needs no handling.
    const ignore = () => {};
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      // A worker host that vanishes without closing its connection must not hold
      // the key forever.
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = '120s'`);
      const { rowCount } = await client.query(
        `INSERT INTO email_log (key, kind, school_id, event_id, recipient)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
        [entry.key, entry.kind, entry.schoolId, entry.eventId, entry.recipient],
      );
      if (rowCount === 0) {
        await client.query('ROLLBACK');
        return 'already_sent';
      }
      const { messageId } = await send();
      await client.query('UPDATE email_log SET message_id = $2, sent_at = now() WHERE key = $1', [
        entry.key,
        messageId,
      ]);
      await client.query('COMMIT');
      return 'sent';
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', ignore);
      client.release();
    }
  }

  async wasSent(key: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM email_log WHERE key = $1', [key]);
    return (rowCount ?? 0) > 0;
  }
}
