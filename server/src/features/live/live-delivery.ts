import { rooms, type SlotFact } from '../../../../protocol/socket-events.ts';
import { slotForViewer } from '../booking/slot-views.ts';
import type { ConferServer } from './confer-server.ts';
import type { FactEnvelope } from './fact-channel.ts';

/**
 * Delivers facts from the fact channel to this instance's sockets, each to the
 * screens that show it and to no others:
 *  - the families whose children may book the slot's teacher (the event's
 *    per-teacher room) and the family the fact concerns: slot state, no names;
 *  - the slot's teacher and the event's admins: who is in it;
 *  - the interpreters signed in for the event: slot state, no names.
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
 *
 * Tenancy is checked twice here, whatever the rooms say: a fact goes only to sockets
 * of the fact's school (a room joined by mistake leaks nothing), and a queued fact is
 * sent only if its socket is still in the room it was queued through when the window
 * ends (a screen that left an event, or was refused it, gets nothing more of it).
 */
export class LiveDelivery {
  /** Per socket, each fact with the room it was queued through (checked again at flush). */
  private readonly pending = new Map<string, { fact: SlotFact; room: string }[]>();
  private timer: NodeJS.Timeout | null = null;

  private nextFlushAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly io: ConferServer,
    private readonly windowMs: number,
    private readonly messagesPerSecond: number,
    /** The school of an event, if known on this instance (auth/event-schools.ts). */
    private readonly schoolOf: (eventId: string) => string | undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  deliver(envelopes: FactEnvelope[]): void {
    const local = this.io.of('/').adapter.rooms;
    const sockets = this.io.of('/').sockets;
    for (const { fact, familyId } of envelopes) {
      // Every socket in an event's rooms joined after its school was read (the join's
      // check), so an unknown school here means no legitimate member: none is served.
      const school = this.schoolOf(fact.eventId);
      const ofSchool = (id: string) => school !== undefined && sockets.get(id)?.data.schoolId === school;
      const teacherRoom = rooms.teacher(fact.slot.teacherId);
      const adminRoom = rooms.eventAdmins(fact.eventId);
      const teacher = local.get(teacherRoom);
      const admins = local.get(adminRoom);
      const isStaff = (id: string) => teacher?.has(id) === true || admins?.has(id) === true;
      // A teacher's and a family's own rooms are named by ids of one school's people,
      // joined at the handshake; they are checked against the school when it is known.
      const ownPeople = (id: string) => school === undefined || ofSchool(id);
      for (const id of teacher ?? []) if (ownPeople(id)) this.queue(id, fact, teacherRoom);
      for (const id of admins ?? []) if (!teacher?.has(id) && ofSchool(id)) this.queue(id, fact, adminRoom);

      const fansRoom = rooms.eventTeacher(fact.eventId, fact.slot.teacherId);
      const ownRoom = familyId ? rooms.family(familyId) : '';
      const interpretersRoom = rooms.eventInterpreters(fact.eventId);
      const fans = local.get(fansRoom);
      const own = familyId ? local.get(ownRoom) : undefined;
      const interpreters = local.get(interpretersRoom);
      if (!fans && !own && !interpreters) continue;
      const seenByFamilies: SlotFact = { ...fact, slot: slotForViewer(fact.slot, { kind: 'family' }) };
      // Interpreters see what families see (no names): enough to know when to read their own schedule.
      for (const id of interpreters ?? []) if (ofSchool(id)) this.queue(id, seenByFamilies, interpretersRoom);
      for (const id of fans ?? []) if (!isStaff(id) && ofSchool(id)) this.queue(id, seenByFamilies, fansRoom);
      for (const id of own ?? [])
        if (!isStaff(id) && !fans?.has(id) && ownPeople(id)) this.queue(id, seenByFamilies, ownRoom);
    }
    this.schedule();
  }

  /** Sends what is pending now (shutdown). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  private queue(socketId: string, fact: SlotFact, room: string): void {
    const list = this.pending.get(socketId);
    if (list) list.push({ fact, room });
    else this.pending.set(socketId, [{ fact, room }]);
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
    for (const [id, queued] of this.pending) {
      const socket = sockets.get(id);
      if (!socket) continue;
      const facts: SlotFact[] = [];
      for (const { fact, room } of queued) if (socket.rooms.has(room)) facts.push(fact);
      if (facts.length > 0) socket.emit('slot:facts', facts);
    }
    this.pending.clear();
  }
}
