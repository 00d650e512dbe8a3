/**
 * The Socket.IO contract. Client commands are `noun:verb`; server facts are past
 * tense. Every slot fact carries the version of the change and the slot's whole state.
 *
 * Fan-out is by interest: a family's socket gets the facts of the teachers its
 * children may book (and of its own bookings), a teacher those of their own slots,
 * an event's admins everything. So the versions one socket sees have gaps by design,
 * and a gap is NOT a reason to resync.
 *
 * Facts arrive in `slot:facts` messages, each an array of one or more facts. A quiet
 * screen gets each fact at once; while facts come faster than one message per
 * coalescing window (LIVE_COALESCE_MS, 100 ms by default; longer when one server has
 * very many screens), a screen gets at most one message per window with every fact
 * since the last one. On opening night that is
 * what keeps the number of socket messages bounded by screens × windows rather than
 * by facts × interested screens. The rules for a client:
 *  - keep, per slot, the version its state reflects (from the snapshot, each slot's own
 *    `version`; versions come from one sequence, so they rise per slot in commit order);
 *  - apply a fact only if its version is higher than that slot's, else drop it
 *    (facts from different server instances may arrive out of order);
 *  - after every (re)connect, and on `event:resync`, send `event:join` again and replace
 *    the state with the snapshot it answers: facts are lost only while a socket is
 *    disconnected or while its server had lost Redis (which `event:resync` announces).
 */
import type { Ack } from './errors.ts';
import type * as Fair from './fairness.ts';
import type { EventPaused } from './pause.ts';
import type { AvailabilitySnapshot, BookingView, SlotView } from './schemas.ts';
import type { SocketCommandInput } from './socket-commands.ts';
import type { ServiceMessages } from './status.ts';

export type SlotFactKind = 'held' | 'released' | 'booked' | 'changed';

export interface SlotFact {
  eventId: string;
  version: number;
  kind: SlotFactKind;
  /** Why a slot was released or changed: confirmed/expired/cancelled/blocked/... */
  reason: string;
  slot: SlotView;
  /** When the server published the fact, right after its commit (epoch ms, server clock). */
  publishedAt?: number;
}

export interface ItineraryChanged {
  eventId: string;
  version: number;
}

export interface SessionEnded {
  reason: 'logout' | 'idle_timeout' | 'revoked';
  message: string;
}

export interface ServerToClientEvents {
  /** Slot facts this screen shows, oldest first (see the coalescing rule above). */
  'slot:facts': (facts: SlotFact[]) => void;
  /** To a family's own sockets: its bookings changed (possibly by staff); refetch them. */
  'itinerary:changed': (payload: ItineraryChanged) => void;
  'session:ended': (payload: SessionEnded) => void;
  /**
   * Facts may have been lost although this socket stayed connected (the server's link
   * to Redis, through which facts travel between instances, was down): join again.
   * `service_changed`: this server saw the database or Redis go down or come back
   * (its status watch): a join now learns the truth at once, rather than
   * at the screen's next back-off retry.
   */
  'event:resync': (payload: { reason: 'redis_reconnected' | 'service_changed' }) => void;
  /** Fair start: the draw has run; this family's outcome (see protocol/fairness.ts). */
  'fairstart:allocated': (payload: Fair.FairStartAllocated) => void;
  /** Virtual queue: the family's place in line changed. */
  'queue:position': (payload: Fair.QueuePosition) => void;
  'queue:admitted': (payload: Fair.QueueAdmitted) => void;
  /** A waiting-list or cover offer for this family; it stands until `expiresAt`. */
  'offer:made': (payload: Fair.OfferMade) => void;
  'offer:ended': (payload: Fair.OfferEnded) => void;
  /** A teacher runs late (minutes 0 = back on time); new expected times of this family's meetings. */
  'teacher:running-late': (payload: Fair.TeacherRunningLate) => void;
  /** A teacher is absent: these bookings of this family were cancelled. */
  'teacher:absent': (payload: Fair.TeacherAbsent) => void;
  /** To every screen of the event: booking was paused (with the message) or resumed. */
  'event:paused': (payload: EventPaused) => void;
  /** To every screen: the operator's current messages changed (each screen keeps its school's and everyone's). */
  'service:messages': (payload: ServiceMessages) => void;
}

export interface ClientToServerEvents {
  'event:join': (
    input: SocketCommandInput<'event:join'>,
    ack: (res: Ack<AvailabilitySnapshot>) => void,
  ) => void;
  'event:leave': (input: SocketCommandInput<'event:leave'>, ack: (res: Ack<null>) => void) => void;
  'slot:hold': (input: SocketCommandInput<'slot:hold'>, ack: (res: Ack<BookingView>) => void) => void;
  'hold:release': (input: SocketCommandInput<'hold:release'>, ack: (res: Ack<BookingView>) => void) => void;
  'booking:confirm': (
    input: SocketCommandInput<'booking:confirm'>,
    ack: (res: Ack<{ bookings: BookingView[] }>) => void,
  ) => void;
  'booking:cancel': (
    input: SocketCommandInput<'booking:cancel'>,
    ack: (res: Ack<BookingView>) => void,
  ) => void;
  /** A family moves its confirmed appointment to another time with the same teacher, in one step. */
  'booking:move': (input: SocketCommandInput<'booking:move'>, ack: (res: Ack<BookingView>) => void) => void;
  'slot:block': (input: SocketCommandInput<'slot:block'>, ack: (res: Ack<SlotView>) => void) => void;
}

/** What the server keeps on each socket after the handshake. */
export interface SocketData {
  sessionId: string;
  principalKind: 'family' | 'staff' | 'interpreter';
  schoolId: string;
}

export const rooms = {
  event: (eventId: string) => `event:${eventId}`,
  /** Families at the event whose children may book this teacher: the teacher's slots, without names. */
  eventTeacher: (eventId: string, staffId: string) => `event:${eventId}:teacher:${staffId}`,
  /** Staff who may see who is in every slot of the event (admins). */
  eventAdmins: (eventId: string) => `event:${eventId}:admin`,
  /**
   * Interpreters signed in for the event (joined at the handshake, read-only): every slot
   * fact, without names, so their screen knows when to read their schedule again.
   */
  eventInterpreters: (eventId: string) => `event:${eventId}:interpreters`,
  teacher: (staffId: string) => `teacher:${staffId}`,
  family: (familyId: string) => `family:${familyId}`,
  session: (sessionId: string) => `session:${sessionId}`,
} as const;
