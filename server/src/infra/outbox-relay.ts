import type { Db, DbClient } from './db.ts';

/** One row of the outbox (migration 012), written by PostgreSQL in the transaction of a change. */
export interface OutboxRow {
  id: string;
  topic: 'mail' | 'facts';
  eventId: string;
  mailKind: 'confirmed' | 'cancelled' | 'changed' | 'invitation' | null;
  familyId: string | null;
  bookingIds: string[] | null;
  actorKind: 'family' | 'staff' | 'system' | null;
  versions: number[] | null;
}

/**
 * Sends a batch of rows on (BullMQ, the fact channel). Resolves only once Redis has
 * accepted what it sent; a rejection keeps the rows for the next round. A handler
 * that returns `{ pending }` keeps those rows (by id) for a later look, after
 * `recheckMs`: a mail row stays until its job has run (mail-queue.ts).
 */
export type OutboxHandler = (
  rows: OutboxRow[],
  client: DbClient,
) => Promise<undefined | { pending: string[] }>;

export interface OutboxRelaySettings {
  /** How often the outbox is looked at when the last look found nothing. */
  pollMs: number;
  /**
   * Fact rows are only looked at this long after they were written: the committing
   * instance publishes at once, and the relay must not race it for every hold.
   */
  factGraceMs: number;
  /** Rows per transaction. */
  batch: number;
  /** A handler that has not finished in this long has failed (Redis unreachable). */
  handlerTimeoutMs: number;
  /** How long a row a handler kept pending waits before it is looked at again. */
  recheckMs: number;
}

const CLAIM = `
  SELECT id::text, topic, event_id, mail_kind, family_id, booking_ids, actor_kind, versions::int8[] AS versions
    FROM outbox
   WHERE topic = $1 AND created_at <= clock_timestamp() - make_interval(secs => $2::double precision / 1000)
     AND (relayed_at IS NULL OR relayed_at <= clock_timestamp() - make_interval(secs => $4::double precision / 1000))
   ORDER BY id
   LIMIT $3
     FOR UPDATE SKIP LOCKED`;

/**
 * Relays the outbox: claims unrelayed rows (FOR UPDATE SKIP LOCKED, so any number of
 * relays share the work without sending a row twice at once), hands them to their
 * topic's handler, and deletes them in the same transaction only after the handler
 * succeeded. A relay that dies, or a Redis that refuses, leaves the rows for the next
 * round: what a commit promised is sent at least once. Handlers must tolerate a row
 * sent twice (deterministic BullMQ job ids; facts applied by version).
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<OutboxRow['topic'], OutboxHandler>,
    private readonly settings: OutboxRelaySettings,
    private readonly logError: (err: unknown, context: string) => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /**
   * Relays every row that is due; returns how many rows were relayed. The topics fail
   * apart: mail rows that cannot be enqueued must not hold back the facts of the same
   * round (and the reverse); the first failure is thrown once both were tried.
   */
  async relayDue(): Promise<number> {
    let total = 0;
    let failure: unknown = null;
    for (const topic of ['mail', 'facts'] as const) {
      try {
        for (;;) {
          const n = await this.relayBatch(topic);
          total += n;
          if (n < this.settings.batch || this.closed) break;
        }
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.relayDue()
        .catch((err) => this.logError(err, 'outbox relay'))
        .then(() => {
          this.running = null;
          this.schedule(this.settings.pollMs);
        });
    }, ms);
  }

  private async relayBatch(topic: OutboxRow['topic']): Promise<number> {
    const client = await this.db.connect();
    const ignore = () => {};
    client.on('error', ignore);
    try {
      await client.query('BEGIN');
      const grace = topic === 'facts' ? this.settings.factGraceMs : 0;
      const { rows } = await client.query<{
        id: string;
        topic: OutboxRow['topic'];
        event_id: string;
        mail_kind: OutboxRow['mailKind'];
        family_id: string | null;
        booking_ids: string[] | null;
        actor_kind: OutboxRow['actorKind'];
        versions: string[] | null;
      }>(CLAIM, [topic, grace, this.settings.batch, this.settings.recheckMs]);
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const claimed: OutboxRow[] = rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        eventId: r.event_id,
        mailKind: r.mail_kind,
        familyId: r.family_id,
        bookingIds: r.booking_ids,
        actorKind: r.actor_kind,
        versions: r.versions?.map(Number) ?? null,
      }));
      const outcome = await withTimeout(
        this.handlers[topic](claimed, client),
        this.settings.handlerTimeoutMs,
        `outbox ${topic} handler`,
      );
      const pending = new Set(outcome ? outcome.pending : []);
      const done = claimed.filter((r) => !pending.has(r.id)).map((r) => r.id);
      if (done.length) await client.query('DELETE FROM outbox WHERE id = ANY ($1::bigint[])', [done]);
      if (pending.size)
        await client.query('UPDATE outbox SET relayed_at = clock_timestamp() WHERE id = ANY ($1::bigint[])', [
          [...pending],
        ]);
      await client.query('COMMIT');
      return claimed.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.off('error', ignore);
      client.release();
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
