import type { Db, DbClient } from '../../infra/db.ts';
import type { WaitingListService } from './waiting-list.service.ts';

/**
 * Hears every slot that may have become free (migration 005's triggers NOTIFY on
 * `confer_slot_freed`, whichever process freed it) and offers it to the waiting
 * list. A notification can be lost while nobody listens, so a sweep over the
 * teachers with waiting families runs at start and then every `sweepMs`.
 */
export function listenForFreedSlots(
  db: Db,
  waitingList: WaitingListService,
  opts: { sweepMs: number; logError: (err: unknown, context: string) => void },
): { close(): Promise<void> } {
  let client: DbClient | null = null;
  let closed = false;
  const pending = new Set<string>();
  let draining: Promise<void> | null = null;

  const drain = () => {
    draining ??= (async () => {
      while (pending.size > 0 && !closed) {
        const [slotId] = pending;
        pending.delete(slotId!);
        await waitingList.slotFreed(slotId!).catch((err) => opts.logError(err, 'waiting list: slot freed'));
      }
      draining = null;
    })();
  };

  const sweep = async () => {
    const { rows } = await db.query<{ event_id: string; staff_id: string }>(
      `SELECT DISTINCT w.event_id, w.staff_id FROM waitlist_entries w JOIN events e ON e.id = w.event_id
        WHERE w.status = 'waiting' AND e.archived_at IS NULL`,
    );
    for (const r of rows) if (!closed) await waitingList.fillTeacher(r.event_id, r.staff_id);
  };

  const connect = async () => {
    if (closed) return;
    try {
      const c = await db.connect();
      client = c;
      c.on('notification', (msg) => {
        if (msg.payload) pending.add(msg.payload);
        drain();
      });
      c.on('error', () => {
        client = null;
        c.release(true);
        if (!closed) setTimeout(() => void connect(), 1000);
      });
      await c.query('LISTEN confer_slot_freed');
    } catch (err) {
      opts.logError(err, 'waiting list: listen');
      if (!closed) setTimeout(() => void connect(), 1000);
    }
  };

  void connect().then(() => sweep().catch((err) => opts.logError(err, 'waiting list: sweep')));
  const timer = setInterval(
    () => void sweep().catch((err) => opts.logError(err, 'waiting list: sweep')),
    opts.sweepMs,
  );
  timer.unref();

  return {
    async close() {
      closed = true;
      clearInterval(timer);
      if (draining) await draining;
      if (client) {
        await client.query('UNLISTEN *').catch(() => {});
        client.release();
        client = null;
      }
    },
  };
}
