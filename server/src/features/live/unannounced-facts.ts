import type { Redis } from 'ioredis';
import type { DbClient } from '../../infra/db.ts';
import type { OutboxHandler } from '../../infra/outbox-relay.ts';
import { type Change, factsOf, type LogAction } from '../booking/event-changes.ts';
import { loadSlotViews } from '../booking/slot-views.ts';
import { type FactEnvelope, factChannel } from './fact-channel.ts';
import type { Publisher } from './publisher.ts';

/**
 * The versions this process has heard on the fact channel lately. Versions come from
 * one sequence (change_version_seq), so a version names one change of one slot. How
 * the relay knows cheaply what nobody announced: the committing instance's PUBLISH
 * reaches this subscriber too, and the hold path pays nothing extra for it.
 */
export class HeardFacts {
  private readonly heard = new Map<number, number>();
  private lastPrune = 0;

  constructor(
    private readonly keepMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Subscribes `subscriber` (a connection of its own) to the fact channel. */
  async listen(subscriber: Redis, redisPrefix: string): Promise<void> {
    const channel = factChannel(redisPrefix);
    subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        this.note((JSON.parse(message) as FactEnvelope[]).map((e) => e.fact.version));
      } catch {
        // Not ours to judge; an unreadable message only means its facts count as unheard.
      }
    });
    await subscriber.subscribe(channel);
  }

  note(versions: number[]): void {
    const now = this.clock();
    for (const v of versions) this.heard.set(v, now);
    if (now - this.lastPrune > this.keepMs) {
      this.lastPrune = now;
      for (const [v, at] of this.heard) if (now - at > this.keepMs) this.heard.delete(v);
    }
  }

  has(version: number): boolean {
    return this.heard.has(version);
  }
}

/**
 * The outbox's fact rows: facts this process did not hear on the channel are loaded
 * from the booking log and the slots as they are now, and announced. A change whose
 * slot has changed again since is left to that newer change's own row (screens
 * apply facts by slot version, so announcing the newer state is what counts). If
 * this process's subscriber missed a PUBLISH that did happen, the fact goes out a
 * second time; screens ignore a version they already have.
 */
export function unannouncedFactsHandler(heard: HeardFacts, publisher: Publisher): OutboxHandler {
  return async (rows, client) => {
    const unheard = rows.flatMap((r) =>
      (r.versions ?? []).filter((v) => !heard.has(v)).map((version) => ({ eventId: r.eventId, version })),
    );
    if (unheard.length === 0) return;
    const facts = await loadFacts(client, unheard);
    if (facts.length === 0) return;
    await publisher.announce(facts);
    heard.note(facts.map((f) => f.version));
  };
}

async function loadFacts(client: DbClient, changes: { eventId: string; version: number }[]) {
  const { rows } = await client.query<{
    event_id: string;
    version: string;
    action: LogAction;
    slot_id: string;
    booking_id: string | null;
    family_id: string | null;
    student_id: string | null;
  }>(
    `SELECT l.event_id, l.version, l.action, l.slot_id, l.booking_id, l.family_id, l.student_id
       FROM unnest($1::uuid[], $2::bigint[]) AS c(event_id, version)
       JOIN booking_log l ON l.event_id = c.event_id AND l.version = c.version
       JOIN slots s ON s.id = l.slot_id AND s.version = l.version
      ORDER BY l.version`,
    [changes.map((c) => c.eventId), changes.map((c) => c.version)],
  );
  if (rows.length === 0) return [];
  const views = await loadSlotViews(client, [...new Set(rows.map((r) => r.slot_id))]);
  return rows.flatMap((r) => {
    const change: Change = {
      action: r.action,
      slotId: r.slot_id,
      bookingId: r.booking_id,
      familyId: r.family_id,
      studentId: r.student_id,
    };
    return views.some((v) => v.id === r.slot_id)
      ? factsOf(r.event_id, [change], [Number(r.version)], views)
      : [];
  });
}
