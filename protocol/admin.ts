/**
 * The admin and teacher contract: event set-up, live operations on slots and
 * bookings, the live console, reports, teachers' schedules and private notes.
 * The server validates with these schemas; the client imports the inferred types.
 * Every endpoint is listed in docs/admin-api.md.
 *
 * Times the admin types in (availability windows, an added slot) are the SCHOOL's
 * wall-clock: a local date "YYYY-MM-DD" and "HH:mm", turned into instants on the
 * server in the school's IANA zone. Everything the server answers is an instant.
 */
import { z } from 'zod';
import { EventView, SlotState } from './schemas.ts';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
/** A calendar date in the school's zone. */
export const LocalDate = z.iso.date();
/** A 24-hour wall-clock time in the school's zone. */
export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Use a 24-hour time, HH:mm.');

// ---- events -------------------------------------------------------------------

const eventRules = {
  name: z.string().trim().min(1).max(200),
  bookingOpensAt: instant,
  bookingClosesAt: instant,
  /** Families may cancel or change until this instant; null: until booking closes. */
  cancelCutoffAt: instant.nullable(),
  slotMinutes: z.int().min(1).max(120),
  gapMinutes: z.int().min(0).max(120),
  maxPerStudent: z.int().min(1).max(100),
  holdSeconds: z.int().min(10).max(3600),
};

type Rules = {
  bookingOpensAt?: string;
  bookingClosesAt?: string;
  cancelCutoffAt?: string | null;
};

/** The rules between the instants; also applied by the server after merging an update. */
export function eventRuleIssues(r: Rules): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const opens = r.bookingOpensAt ? Date.parse(r.bookingOpensAt) : null;
  const closes = r.bookingClosesAt ? Date.parse(r.bookingClosesAt) : null;
  const cutoff = r.cancelCutoffAt ? Date.parse(r.cancelCutoffAt) : null;
  if (opens !== null && closes !== null && closes <= opens)
    issues.push({ path: 'bookingClosesAt', message: 'Booking must close after it opens.' });
  if (cutoff !== null && opens !== null && cutoff <= opens)
    issues.push({ path: 'cancelCutoffAt', message: 'The cancel cut-off must be after booking opens.' });
  if (cutoff !== null && closes !== null && cutoff > closes)
    issues.push({ path: 'cancelCutoffAt', message: 'The cancel cut-off cannot be after booking closes.' });
  return issues;
}

function checkRules(value: Rules, ctx: z.RefinementCtx): void {
  for (const i of eventRuleIssues(value))
    ctx.addIssue({ code: 'custom', path: [i.path], message: i.message });
}

export const CreateEventRequest = z
  .strictObject({ ...eventRules, cancelCutoffAt: eventRules.cancelCutoffAt.optional() })
  .superRefine(checkRules);

/** Only the fields sent change; the merged event must still obey the rules. */
export const UpdateEventRequest = z
  .strictObject({
    name: eventRules.name.optional(),
    bookingOpensAt: eventRules.bookingOpensAt.optional(),
    bookingClosesAt: eventRules.bookingClosesAt.optional(),
    cancelCutoffAt: eventRules.cancelCutoffAt.optional(),
    slotMinutes: eventRules.slotMinutes.optional(),
    gapMinutes: eventRules.gapMinutes.optional(),
    maxPerStudent: eventRules.maxPerStudent.optional(),
    holdSeconds: eventRules.holdSeconds.optional(),
    /** Teachers may set their own availability until this instant; null: only admins. */
    availabilityDeadlineAt: instant.nullable().optional(),
  })
  .superRefine(checkRules)
  .refine((v) => Object.keys(v).length > 0, { message: 'Change at least one field.' });

// ---- staff --------------------------------------------------------------------

export const StaffMember = z.object({
  id,
  displayName: z.string(),
  title: z.string(),
  firstName: z.string(),
  surname: z.string(),
  email: z.string(),
  isAdmin: z.boolean(),
  isTeacher: z.boolean(),
  active: z.boolean(),
});
export const StaffList = z.object({ staff: z.array(StaffMember) });

// ---- availability -------------------------------------------------------------

/** One stretch of a day in the school's zone; `to` is after `from` on the same date. */
export const LocalRange = z
  .strictObject({ date: LocalDate, from: LocalTime, to: LocalTime })
  .refine((r) => r.to > r.from, { message: '`to` must be after `from`.', path: ['to'] });

/**
 * An event's sittings, replacing the ones it has: school-local date and hours,
 * and an optional label. No two may overlap; a sitting held or booked appointments lie in
 * cannot be removed or shrunk from under them.
 */
export const SetSittingsRequest = z.strictObject({
  sittings: z
    .array(
      z
        .strictObject({
          date: LocalDate,
          from: LocalTime,
          to: LocalTime,
          label: z.string().trim().max(60).default(''),
        })
        .refine((r) => r.to > r.from, { message: '`to` must be after `from`.', path: ['to'] }),
    )
    .max(14),
});

export const SetAvailabilityRequest = z.strictObject({
  room: z.string().trim().max(60).default(''),
  windows: z.array(LocalRange).max(20),
  breaks: z.array(LocalRange).max(50).default([]),
  /**
   * This teacher's slot length at this event; absent: unchanged (at first the
   * event's). Admins only: a teacher's own change may not alter it.
   */
  slotMinutes: z.int().min(1).max(120).optional(),
  /**
   * A new slot length that moves held or booked appointments is refused, listing them
   * (`bookings_in_the_way`), until staff send it again with this set: then each moves
   * to the new slot holding its old start, or the next free one.
   */
  confirmMoves: z.boolean().optional(),
});

export const TeacherAvailabilityView = z.object({
  teacherId: id,
  displayName: z.string(),
  room: z.string(),
  windows: z.array(z.object({ date: LocalDate, from: LocalTime, to: LocalTime })),
  breaks: z.array(z.object({ date: LocalDate, from: LocalTime, to: LocalTime })),
  /** The teacher's slot length at this event: their own if an admin set one, else the event's. */
  slotMinutes: z.int(),
});
export const EventAvailabilityView = z.object({
  eventId: id,
  timeZone: z.string(),
  teachers: z.array(TeacherAvailabilityView),
});

/**
 * A teacher's own availability and the limits the admin set on it: the
 * event's hours (its first sitting's start to its last sitting's end, or the first slot's
 * start to the last slot's end while it has no sittings; each window must lie inside one
 * sitting) and the deadline after which only admins change it (null: not opened to teachers).
 */
export const MyAvailabilityView = z.object({
  eventId: id,
  timeZone: z.string(),
  deadlineAt: instant.nullable(),
  open: z.boolean(),
  hours: z.object({ startsAt: instant, endsAt: instant }).nullable(),
  availability: TeacherAvailabilityView,
});

/**
 * What regenerating a teacher's slots did. Slots somebody is (or was) booked in are
 * never deleted: a live booking's slot is kept as it is; a slot with only ended
 * bookings that no longer fits is blocked, so its history stays.
 */
export const SetAvailabilityResponse = z.object({
  availability: TeacherAvailabilityView,
  slots: z.object({
    created: z.int(),
    removed: z.int(),
    kept: z.int(),
    blocked: z.int(),
    /** Held or booked appointments moved to the new slot length (confirmed by staff). */
    moved: z.int(),
  }),
  version: z.int(),
});

// ---- live slot operations -------------------------------------------------------

export const AddSlotRequest = z.strictObject({
  teacherId: id,
  date: LocalDate,
  from: LocalTime,
  /** Defaults to the event's slot length. */
  minutes: z.int().min(1).max(120).optional(),
  /** Defaults to the room of the teacher's other slots in this event. */
  room: z.string().trim().max(60).optional(),
});
export const LengthenSlotRequest = z.strictObject({
  /** Minutes added to the slot's end. */
  minutes: z.int().min(1).max(120),
});
export const RemoveSlotResponse = z.object({
  slotId: id,
  /** `blocked`: the slot has ended bookings on record, so it is kept (blocked) for history. */
  outcome: z.enum(['removed', 'blocked']),
});
export const MoveBookingRequest = z.strictObject({ slotId: id });

/**
 * `reason` of the `changed` slot facts that admin operations send:
 * added — a new slot (add it to the grid); removed — the slot is gone (drop it);
 * resized — its times or room changed; moved — a booking left or arrived in it;
 * blocked/unblocked — as before.
 */
export const SlotChangeReason = z.enum(['added', 'removed', 'resized', 'moved', 'blocked', 'unblocked']);

// ---- console ------------------------------------------------------------------

export const SlotCounts = z.object({
  booked: z.int(),
  held: z.int(),
  free: z.int(),
  blocked: z.int(),
  total: z.int(),
});
export const EventConsole = z.object({
  eventId: id,
  version: z.int(),
  counts: SlotCounts,
  teachers: z.array(
    z.object({ teacherId: id, displayName: z.string(), room: z.string(), counts: SlotCounts }),
  ),
  /** Sockets watching the event now, across every server instance. No personal data. */
  connected: z.object({ families: z.int(), staff: z.int(), sockets: z.int() }),
});

// ---- reports ------------------------------------------------------------------

export const UnbookedStudent = z.object({
  studentId: id,
  studentName: z.string(),
  yearGroup: z.string(),
  className: z.string(),
  /** The child's families (two for separated parents); none of them has booked. */
  families: z.array(z.object({ familyId: id, surname: z.string(), email: z.string().nullable() })),
});
/**
 * byTeacher: for each teacher sitting the event, the children they teach who have
 * no confirmed appointment with them. byYearGroup: children with a teacher at the
 * event and no confirmed appointment at all.
 */
export const UnbookedReport = z.object({
  eventId: id,
  byTeacher: z.array(
    z.object({
      teacherId: id,
      displayName: z.string(),
      room: z.string(),
      students: z.array(UnbookedStudent),
    }),
  ),
  byYearGroup: z.array(z.object({ yearGroup: z.string(), students: z.array(UnbookedStudent) })),
});

// ---- families -------------------------------------------------------------------

export const FamilySearchResult = z.object({
  families: z.array(
    z.object({
      id,
      surname: z.string(),
      students: z.array(
        z.object({
          id,
          firstName: z.string(),
          surname: z.string(),
          yearGroup: z.string(),
          className: z.string(),
          teacherIds: z.array(id),
        }),
      ),
    }),
  ),
});
/** `GET /admin/families?q=…`: surname prefix, case-insensitive. */
export const FamilySearchQuery = z.object({ q: z.string().trim().min(1).max(100) });

// ---- teachers -------------------------------------------------------------------

export const TeacherAppointment = z.object({
  bookingId: id,
  familyId: id,
  familySurname: z.string(),
  studentId: id,
  studentName: z.string(),
  yearGroup: z.string(),
  className: z.string(),
  status: z.enum(['held', 'confirmed']),
  /** The teacher's private note ('' when none). Never sent to families. */
  note: z.string(),
  /**
   * Who interprets the meeting, when the family needs an interpreter: the school's
   * interpreter held for it (name) and the language (BCP-47); null: none.
   */
  interpreter: z.object({ name: z.string(), language: z.string() }).nullable(),
});
export const TeacherScheduleEntry = z.object({
  slotId: id,
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
  state: SlotState,
  appointment: TeacherAppointment.nullable(),
});
/** One teacher's evening: every slot in time order, with who is in it. */
export const TeacherSchedule = z.object({
  eventId: id,
  timeZone: z.string(),
  teacher: z.object({ id, displayName: z.string(), room: z.string() }),
  entries: z.array(TeacherScheduleEntry),
});

export const BookingNote = z.object({
  bookingId: id,
  body: z.string(),
  updatedAt: instant.nullable(),
  updatedBy: z.object({ id, displayName: z.string() }).nullable(),
});
export const SetBookingNoteRequest = z.strictObject({ body: z.string().max(2000) });

export type LocalRange = z.infer<typeof LocalRange>;
export type SetSittingsRequest = z.infer<typeof SetSittingsRequest>;
export type MyAvailabilityView = z.infer<typeof MyAvailabilityView>;
export type CreateEventRequest = z.infer<typeof CreateEventRequest>;
export type UpdateEventRequest = z.infer<typeof UpdateEventRequest>;
export type StaffMember = z.infer<typeof StaffMember>;
export type StaffList = z.infer<typeof StaffList>;
export type SetAvailabilityRequest = z.input<typeof SetAvailabilityRequest>;
export type TeacherAvailabilityView = z.infer<typeof TeacherAvailabilityView>;
export type EventAvailabilityView = z.infer<typeof EventAvailabilityView>;
export type SetAvailabilityResponse = z.infer<typeof SetAvailabilityResponse>;
export type AddSlotRequest = z.infer<typeof AddSlotRequest>;
export type LengthenSlotRequest = z.infer<typeof LengthenSlotRequest>;
export type RemoveSlotResponse = z.infer<typeof RemoveSlotResponse>;
export type MoveBookingRequest = z.infer<typeof MoveBookingRequest>;
export type SlotChangeReason = z.infer<typeof SlotChangeReason>;
export type SlotCounts = z.infer<typeof SlotCounts>;
export type EventConsole = z.infer<typeof EventConsole>;
export type UnbookedStudent = z.infer<typeof UnbookedStudent>;
export type UnbookedReport = z.infer<typeof UnbookedReport>;
export type FamilySearchResult = z.infer<typeof FamilySearchResult>;
export type TeacherAppointment = z.infer<typeof TeacherAppointment>;
export type TeacherScheduleEntry = z.infer<typeof TeacherScheduleEntry>;
export type TeacherSchedule = z.infer<typeof TeacherSchedule>;
export type BookingNote = z.infer<typeof BookingNote>;
export type SetBookingNoteRequest = z.infer<typeof SetBookingNoteRequest>;

// ---- separated parents ------------------------------------------------

/**
 * How a child shared by two families is booked at an event: `joint` — one appointment
 * per child and teacher, seen and changeable by both families; `separate` — each family
 * books its own. Changeable only while the event has no active booking.
 */
export const SharedChildMode = EventView.shape.sharedChildMode;
export const SharedChildModeRequest = z.strictObject({ mode: SharedChildMode });
export const SharedChildModeView = z.object({ eventId: id, mode: SharedChildMode });
/** Links a second (or further) family to a child of the school, as the class-list import can. */
export const LinkFamilyStudentRequest = z.strictObject({ studentId: id });
export const FamilyStudentLink = z.object({ familyId: id, studentId: id, families: z.number().int() });
export type SharedChildMode = z.infer<typeof SharedChildMode>;
export type SharedChildModeView = z.infer<typeof SharedChildModeView>;
export type FamilyStudentLink = z.infer<typeof FamilyStudentLink>;
