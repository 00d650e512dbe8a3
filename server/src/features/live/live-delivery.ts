import { rooms, type SlotFact } from '../../../../protocol/socket-events.ts';
import { slotForViewer } from '../booking/slot-views.ts';
import type { FactEnvelope } from './fact-channel.ts';
import type { ConferServer } from './socket-gateway.ts';

/**
 * Delivers facts from the fact channel to this instance's sockets, each to the
 * screens that show it and to no others:
 *  - the families whose children may book the slot's teacher (the event's
 *    per-teacher room) and the family the fact concerns: slot state, no names;
 *  - the slot's teacher and the event's admins: who is in it.
 *
 * Coalesced per socket, because on opening night one socket message per fact per
 * interested screen is what saturated the machine first: each fact interests some
 * 300 families, and the server's writes and every phone's parsing grow with
 * facts × screens. A screen gets a fact at once when facts are sparse; while they
 * come faster, all screens are flushed together at most once per window, one
 * `slot:facts` message each with every fact since the last. Messages are then
 * bounded by screens × windows, whatever the booking rate. With very many screens
 * the window stretches so that the instance sends at most `messagesPerSecond`
 * (after flushing N sockets, the next flush waits N ÷ budget seconds): 5,000
 * screens every 100 ms were 50,000 messages a second, more than two cores could
 * write and their clients read.
 */
export class LiveDelivery {
  private readonly pending = new Map<string, SlotFact[]>();
  private timer: NodeJS.Timeout | null = null;

  private nextFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly io: ConferServer,
    private readonly windowMs: number,
    private readonly messagesPerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {}

  deliver(envelopes: FactEnvelope[]): void {
    const local = this.io.of('/').adapter.rooms;
    for (const { fact, familyId } of envelopes) {
      const teacher = local.get(rooms.teacher(fact.slot.teacherId));
      const admins = local.get(rooms.eventAdmins(fact.eventId));
      const isStaff = (id: string) => teacher?.has(id) === true || admins?.has(id) === true;
      for (const id of teacher ?? []) this.queue(id, fact);
      for (const id of admins ?? []) if (!teacher?.has(id)) this.queue(id, fact);

      const fans = local.get(rooms.eventTeacher(fact.eventId, fact.slot.teacherId));
      const own = familyId ? local.get(rooms.family(familyId)) : undefined;
      if (!fans && !own) continue;
      const seenByFamilies: SlotFact = { ...fact, slot: slotForViewer(fact.slot, { kind: 'family' }) };
      for (const id of fans ?? []) if (!isStaff(id)) this.queue(id, seenByFamilies);
      for (const id of own ?? []) if (!isStaff(id) && !fans?.has(id)) this.queue(id, seenByFamilies);
    }
    this.schedule();
  }

  /** Sends what is pending now (shutdown). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  private queue(socketId: string, fact: SlotFact): void {
    const list = this.pending.get(socketId);
    if (list) list.push(fact);
    else this.pending.set(socketId, [fact]);
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    // A timer even when due now: the rest of this turn's facts (one Redis message
    // can carry several) go out in the same message.
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.nextFlushAt - this.clock()));
  }

  private flush(): void {
    this.timer = null;
    const now = this.clock();
    const budgetMs = this.messagesPerSecond > 0 ? (this.pending.size * 1000) / this.messagesPerSecond : 0;
    this.nextFlushAt = now + Math.max(this.windowMs, budgetMs);
    const sockets = this.io.of('/').sockets;
    for (const [id, facts] of this.pending) sockets.get(id)?.emit('slot:facts', facts);
    this.pending.clear();
  }
}
