import { rooms } from '../../../../protocol/socket-events.ts';
import type { Fact } from '../booking/event-changes.ts';
import type { FactSender } from './fact-channel.ts';

/**
 * The part of a Socket.IO server — or of a Redis emitter, in the workers — that
 * publishing needs. Both reach every instance's sockets through Redis.
 */
export interface Broadcaster {
  to(room: string | string[]): BroadcastTarget;
  in(room: string | string[]): { disconnectSockets(close?: boolean): unknown };
}
interface BroadcastTarget {
  except(room: string | string[]): BroadcastTarget;
  emit(event: string, ...args: unknown[]): unknown;
}

/**
 * Sends committed facts towards the screens that show them: once per commit on the
 * fact channel, from which every instance delivers them to its own interested
 * sockets (live-delivery.ts). The family a fact concerns is also told, through the
 * Socket.IO adapter, to refresh its itinerary.
 */
export class Publisher {
  constructor(
    private readonly io: Broadcaster,
    private readonly sendFacts: FactSender,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Right after commit, from the instance that committed: fire and forget (the outbox relay backs it up). */
  publish(facts: Fact[]): void {
    void Promise.resolve(this.send(facts)).catch(() => {});
  }

  /**
   * For the outbox relay: resolves once Redis has taken the facts, rejects when it has
   * not, so the relay keeps its rows until they really went out.
   */
  async announce(facts: Fact[]): Promise<void> {
    await this.send(facts);
  }

  private send(facts: Fact[]): unknown {
    if (facts.length === 0) return;
    // Called right after commit, so this is the commit instant as screens should
    // measure it (the benchmark's commit-to-screen latency starts here).
    const publishedAt = this.clock();
    const families = new Map<string, { eventId: string; version: number }>();
    const sent = this.sendFacts(
      facts.map((fact) => ({
        fact: {
          eventId: fact.eventId,
          version: fact.version,
          kind: fact.kind,
          reason: fact.reason,
          publishedAt,
          slot: fact.slot,
        },
        familyId: fact.familyId,
      })),
    );
    for (const fact of facts)
      if (fact.familyId) families.set(fact.familyId, { eventId: fact.eventId, version: fact.version });
    for (const [familyId, payload] of families)
      this.io.to(rooms.family(familyId)).emit('itinerary:changed', payload);
    return sent;
  }

  sessionEnded(sessionId: string, reason: 'logout' | 'idle_timeout' | 'revoked', message: string): void {
    const room = rooms.session(sessionId);
    this.io.to(room).emit('session:ended', { reason, message });
    this.io.in(room).disconnectSockets(true);
  }
}
