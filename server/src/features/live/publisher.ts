import { rooms, SLOT_FACT_EVENTS } from '../../../../protocol/socket-events.ts';
import type { Fact } from '../booking/event-changes.ts';
import { slotForViewer } from '../booking/slot-views.ts';

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
 * Sends committed facts to the screens that show them, and to no others: on
 * opening night a broadcast of every delta to every socket is what saturates the
 * machine first, so each fact goes only to
 *  - the families whose children may book the slot's teacher (the event's
 *    per-teacher room) and the family the fact concerns: slot state, no names;
 *  - the slot's teacher: who is in it;
 *  - the event's admins: everything.
 * A socket in several of these rooms gets the fact once. The family concerned is
 * also told to refresh its itinerary.
 */
export class Publisher {
  constructor(
    private readonly io: Broadcaster,
    private readonly clock: () => number = Date.now,
  ) {}

  publish(facts: Fact[]): void {
    // Called right after commit, so this is the commit instant as screens should
    // measure it (the benchmark's commit-to-screen latency starts here).
    const publishedAt = this.clock();
    const families = new Map<string, { eventId: string; version: number }>();
    for (const fact of facts) {
      const event = SLOT_FACT_EVENTS[fact.kind];
      const teacherRoom = rooms.teacher(fact.slot.teacherId);
      const adminRoom = rooms.eventAdmins(fact.eventId);
      const base = {
        eventId: fact.eventId,
        version: fact.version,
        kind: fact.kind,
        reason: fact.reason,
        publishedAt,
      };
      const publicRooms = [rooms.eventTeacher(fact.eventId, fact.slot.teacherId)];
      if (fact.familyId) publicRooms.push(rooms.family(fact.familyId));
      this.io
        .to(publicRooms)
        .except([teacherRoom, adminRoom])
        .emit(event, { ...base, slot: slotForViewer(fact.slot, { kind: 'family' }) });
      this.io.to([teacherRoom, adminRoom]).emit(event, { ...base, slot: fact.slot });
      if (fact.familyId) families.set(fact.familyId, { eventId: fact.eventId, version: fact.version });
    }
    for (const [familyId, payload] of families)
      this.io.to(rooms.family(familyId)).emit('itinerary:changed', payload);
  }

  sessionEnded(sessionId: string, reason: 'logout' | 'idle_timeout' | 'revoked', message: string): void {
    const room = rooms.session(sessionId);
    this.io.to(room).emit('session:ended', { reason, message });
    this.io.in(room).disconnectSockets(true);
  }
}
