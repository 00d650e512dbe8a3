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
 * Sends committed facts to the screens entitled to them: families and teachers in
 * the event room see slot states; a teacher sees who is in their own slots; the
 * event's admins see everyone. The family concerned is told to refresh its itinerary.
 */
export class Publisher {
  constructor(private readonly io: Broadcaster) {}

  publish(facts: Fact[]): void {
    const families = new Map<string, { eventId: string; version: number }>();
    for (const fact of facts) {
      const event = SLOT_FACT_EVENTS[fact.kind];
      const teacherRoom = rooms.teacher(fact.slot.teacherId);
      const base = { eventId: fact.eventId, version: fact.version, kind: fact.kind, reason: fact.reason };
      const publicSlot = slotForViewer(fact.slot, { kind: 'family' });
      this.io
        .to(rooms.event(fact.eventId))
        .except(teacherRoom)
        .emit(event, { ...base, slot: publicSlot });
      this.io.to(teacherRoom).emit(event, { ...base, slot: fact.slot });
      this.io
        .to(rooms.eventAdmins(fact.eventId))
        .except(teacherRoom)
        .emit(event, { ...base, slot: fact.slot });
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
