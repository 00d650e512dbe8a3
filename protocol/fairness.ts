/**
 * Beyond first come, first served: the contract for fair start (lottery), the
 * virtual queue, automatic itineraries, waiting lists and the night itself
 * (running late, absences). Requests and answers are zod schemas (the server
 * validates with them, the OpenAPI document is built from them); socket payloads
 * are plain types, added to `ServerToClientEvents` in socket-events.ts.
 */
import { z } from 'zod';
import { BookingView } from './schemas.ts';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });

// ---- fair start ----------------------------------------------------------------

export const BookingMode = z.enum(['fcfs', 'fair_start']);

export const FairnessSettingsRequest = z.strictObject({
  mode: BookingMode,
  /** Length of the collection window after opening (fair start only). Default 10. */
  windowMinutes: z.number().min(0.02).max(1440).optional(),
  /** Virtual queue: at most this many families booking at once; null switches it off. */
  queueLimit: z.number().int().min(1).max(100_000).nullable().optional(),
  /** How long a waiting-list offer stands. Default 15. */
  offerMinutes: z.number().int().min(1).max(1440).optional(),
});

export const FairStartChoice = z.strictObject({ studentId: id, teacherId: id });

export const FairStartRequest = z.strictObject({
  /** In order of preference: the first is tried in round 1, the second in round 2, … */
  choices: z.array(FairStartChoice).min(1).max(30),
  arriveAt: instant.optional(),
  leaveBy: instant.optional(),
});

export const FairStartOutcome = z.object({
  rank: z.number().int(),
  studentId: id,
  teacherId: id,
  outcome: z.enum(['pending', 'granted', 'unavailable']),
  bookingId: id.nullable(),
});

export const FairStartStatus = z.object({
  eventId: id,
  mode: BookingMode,
  /** When booking opens; requests are collected from then until `windowEndsAt`. */
  opensAt: instant,
  windowEndsAt: instant,
  /** Allocation time in the school's zone, for "your requests are in; allocation at 19:10". */
  allocationLocalTime: z.string(),
  /** Set once the draw has run; the event is first come, first served from then on. */
  allocatedAt: instant.nullable(),
  /** Published before the draw; the seed itself is revealed after it. */
  seedSha256: z.string().nullable(),
  seed: z.string().nullable(),
  collecting: z.boolean(),
  /** The asking family's requests and their outcomes (families only). */
  requests: z.array(FairStartOutcome),
  queueLimit: z.number().int().nullable(),
  offerMinutes: z.number().int(),
});

export const DrawStep = z.object({
  round: z.number().int(),
  familyId: id,
  studentId: id,
  teacherId: id,
  slotId: id.nullable(),
  /** Why a choice was not granted: no fitting free slot, cap reached, already booked. */
  reason: z.enum(['granted', 'no_fitting_slot', 'cap_reached', 'already_booked']),
});

export const DrawRecord = z.object({
  eventId: id,
  seed: z.string(),
  seedSha256: z.string(),
  drawnAt: instant,
  /** The families in lottery order (round 1's order; even rounds run it backwards). */
  order: z.array(id),
  steps: z.array(DrawStep),
  /** Recomputing the draw from the recorded seed and inputs gives the same steps. */
  verified: z.boolean(),
});

// ---- virtual queue ---------------------------------------------------------------

export const QueueTicket = z.object({
  eventId: id,
  admitted: z.boolean(),
  /** 1 = next in line; 0 when admitted. */
  position: z.number().int(),
  estimatedWaitSeconds: z.number().int(),
});

// ---- automatic itinerary -----------------------------------------------------------

/** Most meetings one plan may ask for (every child together); the planner's time is bounded anyway. */
export const ITINERARY_MAX_MEETINGS = 24;

export const ItineraryWish = z
  .strictObject({
    /** For each child, the teachers the family wants to see. */
    children: z
      .array(z.strictObject({ studentId: id, teacherIds: z.array(id).min(1).max(12) }))
      .min(1)
      .max(6),
    arriveAt: instant.optional(),
    leaveBy: instant.optional(),
  })
  .refine((w) => w.children.reduce((n, c) => n + c.teacherIds.length, 0) <= ITINERARY_MAX_MEETINGS, {
    message: `Ask for at most ${ITINERARY_MAX_MEETINGS} meetings in one plan.`,
    path: ['children'],
  });

export const ProposedMeeting = z.object({
  studentId: id,
  teacherId: id,
  /** What the teacher teaches this student (the class list's subject). */
  subject: z.string().optional(),
  slotId: id,
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
});

export const ItineraryProposal = z.object({
  eventId: id,
  meetings: z.array(ProposedMeeting),
  /**
   * Wanted meetings that cannot be placed; `full` ones can join the waiting list.
   * `no_interpreter`: the family needs an interpreter and none is free at any of the teacher's free times.
   */
  unplaced: z.array(
    z.object({
      studentId: id,
      teacherId: id,
      reason: z.enum(['full', 'no_fit', 'no_interpreter', 'already_booked', 'not_your_teacher']),
      waitingListAvailable: z.boolean(),
    }),
  ),
  /** Minutes between first start and last end, minus minutes in meetings (existing bookings included). */
  waitingMinutes: z.number(),
  firstStartsAt: instant.nullable(),
  lastEndsAt: instant.nullable(),
  /**
   * False when the planner's time ran out first: the plan is the best found in the
   * time allowed (PLANNER_DEADLINE_MS), clash-free and gap-keeping, but maybe not the least waiting.
   */
  provenBest: z.boolean(),
});

export const ItineraryHoldRequest = z.strictObject({
  meetings: z
    .array(z.strictObject({ studentId: id, slotId: id }))
    .min(1)
    .max(12),
});

// ---- waiting lists ------------------------------------------------------------------

export const JoinWaitlistRequest = z.strictObject({
  studentId: id,
  teacherId: id,
  arriveAt: instant.optional(),
  leaveBy: instant.optional(),
});

export const WaitlistEntryView = z.object({
  id,
  eventId: id,
  teacherId: id,
  familyId: id,
  familySurname: z.string(),
  studentId: id,
  studentName: z.string(),
  /** 1-based place in line (must-see entries first). */
  place: z.number().int(),
  mustSee: z.boolean(),
  status: z.enum(['waiting', 'booked', 'left']),
});
export const WaitlistView = z.object({ entries: z.array(WaitlistEntryView) });

export const ReorderWaitlistRequest = z.strictObject({
  /** The waiting entries of this teacher in their new order (must-see entries still go first). */
  entryIds: z.array(id).min(1).max(2000),
});
export const MustSeeRequest = z.strictObject({ mustSee: z.boolean() });

export const OfferView = z.object({
  id,
  kind: z.enum(['waitlist', 'cover']),
  eventId: id,
  slotId: id,
  teacherId: id,
  teacherName: z.string(),
  studentId: id,
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
  status: z.enum(['pending', 'accepted', 'declined', 'lapsed', 'void']),
  expiresAt: instant,
  bookingId: id.nullable(),
});
export const OfferList = z.object({ offers: z.array(OfferView) });
export const AcceptOfferResponse = z.object({ offer: OfferView, booking: BookingView });

// ---- on the night ----------------------------------------------------------------------

export const RunningLateRequest = z.strictObject({
  minutes: z.number().int().min(0).max(240),
  /** When the delay stops applying; default: the end of the teacher's evening plus the delay. */
  until: instant.optional(),
});

export const ExpectedMeeting = z.object({
  bookingId: id,
  teacherId: id,
  startsAt: instant,
  expectedAt: instant,
  delayMinutes: z.number().int(),
});
export const RunningLateView = z.object({
  eventId: id,
  teacherId: id,
  minutes: z.number().int(),
  clearsAt: instant,
  affected: z.number().int(),
});
export const ExpectedTimes = z.object({ eventId: id, meetings: z.array(ExpectedMeeting) });

// The whole evening is a field of its own, never the meaning of a missing range: an
// empty or unreadable body used to cancel the teacher's whole evening.
export const AbsenceRequest = z
  .strictObject({
    /** The whole event (instead of from and to). */
    wholeEvening: z.literal(true).optional(),
    from: instant.optional(),
    to: instant.optional(),
    coverTeacherId: id.optional(),
  })
  .refine(
    (r) =>
      (r.wholeEvening === true) !== (r.from !== undefined && r.to !== undefined) &&
      (r.from === undefined) === (r.to === undefined),
    { message: 'Give both from and to, or wholeEvening: true.', path: ['from'] },
  );
export const AbsenceView = z.object({
  id,
  eventId: id,
  teacherId: id,
  from: instant,
  to: instant,
  coverTeacherId: id.nullable(),
  cancelledBookingIds: z.array(id),
  coverOffers: z.number().int(),
});

// ---- jobs (the `fairness` queue) -----------------------------------------------------------

export const FairnessJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('allocate'), eventId: id }),
  z.object({ kind: z.literal('offer-expiry'), offerId: id }),
  z.object({ kind: z.literal('delay-clear'), eventId: id, teacherId: id, clearsAt: instant }),
]);
export type FairnessJob = z.infer<typeof FairnessJobSchema>;

export const fairnessJobIds = {
  allocate: (eventId: string) => `fair-start.${eventId}`,
  offerExpiry: (offerId: string) => `offer.${offerId}`,
  delayClear: (eventId: string, teacherId: string, clearsAt: string) =>
    `delay.${eventId}.${teacherId}.${Date.parse(clearsAt)}`,
} as const;

// ---- socket payloads (server → client) ---------------------------------------------------------

export interface FairStartAllocated {
  eventId: string;
  granted: number;
  unavailable: { studentId: string; teacherId: string }[];
}
export interface QueuePosition {
  eventId: string;
  position: number;
  estimatedWaitSeconds: number;
}
export interface QueueAdmitted {
  eventId: string;
}
export type OfferMade = z.infer<typeof OfferView>;
export interface OfferEnded {
  offerId: string;
  eventId: string;
  status: 'accepted' | 'declined' | 'lapsed' | 'void';
}
export interface TeacherRunningLate {
  eventId: string;
  teacherId: string;
  minutes: number;
  clearsAt: string;
  /** This family's meetings with the teacher and when they are now expected to start. */
  meetings: { bookingId: string; startsAt: string; expectedAt: string }[];
}
export interface TeacherAbsent {
  eventId: string;
  teacherId: string;
  cancelledBookingIds: string[];
  coverTeacherId: string | null;
  message: string;
}

export type FairStartStatusView = z.infer<typeof FairStartStatus>;
export type DrawRecordView = z.infer<typeof DrawRecord>;
export type QueueTicketView = z.infer<typeof QueueTicket>;
export type ItineraryProposalView = z.infer<typeof ItineraryProposal>;
export type WaitlistEntry = z.infer<typeof WaitlistEntryView>;
export type OfferViewT = z.infer<typeof OfferView>;
