/**
 * Zod schemas for everything that crosses the wire. The server validates requests
 * with them, the OpenAPI document is generated from them, and the client imports
 * the inferred types, so the three can never drift apart.
 */
import { z } from 'zod';
import { locales } from './locales.ts';
import { PauseState } from './pause.ts';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from './storable-text.ts';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
// Socket commands carry it in their payload, so the storable-text rule must live here
// as well as at the HTTP edge (a NUL in a key used to fail in PostgreSQL as a 500).
export const idempotencyKey = z.string().min(8).max(128).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

// ---- auth -------------------------------------------------------------------

export const LoginStaffRequest = z.strictObject({
  email: z.email().max(254),
  password: z.string().min(1).max(200),
});
export const LoginFamilyRequest = z.strictObject({
  schoolCode: z.string().min(3).max(16),
  surname: z.string().min(1).max(100),
  accessCode: z.string().min(4).max(40),
});

export const SchoolView = z.object({ id, code: z.string(), name: z.string(), timeZone: z.string() });
export const StudentView = z.object({
  id,
  firstName: z.string(),
  surname: z.string(),
  yearGroup: z.string(),
  className: z.string(),
  /** The teachers this family may book for this student. */
  teacherIds: z.array(id),
  /**
   * What each of those teachers teaches this student (teacher id → subject, from the class
   * lists; '' when the import named none). Subjects belong to the (teacher, student) pair, so
   * they travel with the child rather than with every slot fact on the hot path.
   */
  subjects: z.record(z.string(), z.string()).optional(),
});
export const Me = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('family'),
    sessionId: id,
    school: SchoolView,
    family: z.object({
      id,
      surname: z.string(),
      /** The language the family reads Confer in (its mail too); null: not known, English is shown. */
      language: z.enum(locales).nullable(),
      /**
       * The language the family needs an interpreter for (a canonical BCP-47 code: any
       * language, not only those Confer is written in); null: it needs none. Set by the
       * school, the MIS import or the family itself (PUT/DELETE /me/interpreter).
       */
      interpreterLanguage: z.string().nullable(),
    }),
    students: z.array(StudentView),
  }),
  z.object({
    kind: z.literal('staff'),
    sessionId: id,
    school: SchoolView,
    staff: z.object({
      id,
      displayName: z.string(),
      email: z.string(),
      isAdmin: z.boolean(),
      isTeacher: z.boolean(),
    }),
  }),
]);
export const LoginResponse = z.object({
  token: z.string(),
  /** Idle time-out: the session ends after this many seconds without activity. */
  idleTimeoutSeconds: z.number().int(),
  me: Me,
});

// ---- events and availability -------------------------------------------------

/** A stretch of an event in which teachers sit (two evenings, or an afternoon and an evening). */
export const EventSitting = z.object({
  id,
  startsAt: instant,
  endsAt: instant,
  /** The school's name for it ("Thursday evening"); may be empty. */
  label: z.string(),
});

export const EventView = z.object({
  id,
  name: z.string(),
  timeZone: z.string(),
  bookingOpensAt: instant,
  bookingClosesAt: instant,
  cancelCutoffAt: instant,
  slotMinutes: z.number().int(),
  gapMinutes: z.number().int(),
  maxPerStudent: z.number().int(),
  holdSeconds: z.number().int(),
  startsAt: instant.nullable(),
  endsAt: instant.nullable(),
  archived: z.boolean(),
  /** Separated parents: one joint appointment per child and teacher, or one per family. */
  sharedChildMode: z.enum(['joint', 'separate']),
  /** Teachers may set their own availability until this instant; null: only admins. */
  availabilityDeadlineAt: instant.nullable(),
  /** In time order; slots are cut only inside them. Empty: not set yet (no bound). */
  sittings: z.array(EventSitting),
});

export const TeacherView = z.object({ id, displayName: z.string(), room: z.string() });

export const SlotState = z.enum(['free', 'held', 'booked', 'blocked']);
/** Who is in a slot: only sent to the slot's teacher and the school's admins. */
export const SlotOccupant = z.object({
  bookingId: id,
  familyId: id,
  familySurname: z.string(),
  studentId: id,
  studentName: z.string(),
  status: z.enum(['held', 'confirmed']),
});
export const SlotView = z.object({
  id,
  teacherId: id,
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
  state: SlotState,
  /** Set when the slot is held: when the hold lapses. */
  heldUntil: instant.nullable(),
  /** The version of the slot's last change (0: never changed). A fact or snapshot only replaces a newer one's state. */
  version: z.number().int(),
  occupant: SlotOccupant.optional(),
});
/**
 * In a family's availability snapshot, when the family needs an interpreter
 * (protocol/interpreters.ts): the language, and the ids of the snapshot's slots at whose
 * time an interpreter for it is free (whatever the slot's own state). A hold at another
 * time is refused `interpreter_unavailable`. Read with the snapshot; facts do not update it.
 */
export const SnapshotInterpreter = z.object({
  language: z.string(),
  freeSlotIds: z.array(id),
});
export const AvailabilitySnapshot = z.object({
  eventId: id,
  version: z.number().int(),
  teachers: z.array(TeacherView),
  slots: z.array(SlotView),
  /** Booking is paused, so a page opened later shows it; the server always sends it. */
  paused: PauseState.nullable().optional(),
  /** Only for a family that needs an interpreter. */
  interpreter: SnapshotInterpreter.optional(),
});

// ---- holds and bookings --------------------------------------------------------

export const CreateHoldRequest = z.strictObject({
  slotId: id,
  studentId: id,
  /** Staff booking on a family's behalf name the family; families may omit it. */
  familyId: id.optional(),
});
export const ConfirmHoldsRequest = z.strictObject({
  eventId: id,
  /** The holds to confirm together; all of the family's holds in the event when omitted. */
  holdIds: z.array(id).min(1).max(50).optional(),
  familyId: id.optional(),
});
export const BookingStatus = z.enum(['held', 'confirmed', 'cancelled', 'expired']);
export const BookingView = z.object({
  id,
  eventId: id,
  slotId: id,
  teacherId: id,
  teacherName: z.string(),
  /** What the teacher teaches this student; absent on the answers of holds (see StudentView.subjects). */
  subject: z.string().optional(),
  studentId: id,
  studentName: z.string(),
  familyId: id,
  status: BookingStatus,
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
  expiresAt: instant.nullable(),
  /**
   * The language (BCP-47) of the interpreter reserved for this meeting, null when none
   * (docs/booking-door.md#interpreters). Never who: an interpreter's name is their personal
   * data. Null too on a joint event's appointment that the child's other family made: its
   * need is that family's.
   */
  interpreterLanguage: z.string().nullable().optional(),
});
export const BookingList = z.object({ bookings: z.array(BookingView) });
export const SlotBlockRequest = z.strictObject({ blocked: z.boolean() });

export type LoginStaffRequest = z.infer<typeof LoginStaffRequest>;
export type LoginFamilyRequest = z.infer<typeof LoginFamilyRequest>;
export type SchoolView = z.infer<typeof SchoolView>;
export type StudentView = z.infer<typeof StudentView>;
export type Me = z.infer<typeof Me>;
export type LoginResponse = z.infer<typeof LoginResponse>;
export type EventView = z.infer<typeof EventView>;
export type EventSitting = z.infer<typeof EventSitting>;
export type TeacherView = z.infer<typeof TeacherView>;
export type SlotState = z.infer<typeof SlotState>;
export type SlotOccupant = z.infer<typeof SlotOccupant>;
export type SlotView = z.infer<typeof SlotView>;
export type SnapshotInterpreter = z.infer<typeof SnapshotInterpreter>;
export type AvailabilitySnapshot = z.infer<typeof AvailabilitySnapshot>;
export type CreateHoldRequest = z.infer<typeof CreateHoldRequest>;
export type ConfirmHoldsRequest = z.infer<typeof ConfirmHoldsRequest>;
export type BookingStatus = z.infer<typeof BookingStatus>;
export type BookingView = z.infer<typeof BookingView>;
export type BookingList = z.infer<typeof BookingList>;
