/**
 * Interpreters as a bookable resource (migration 033; docs/booking-door.md,
 * "Interpreters"): the admin contract for listing interpreters, their windows per
 * event, a family's need, an event's interpreter load and an interpreter's schedule.
 * The family's side (where an interpreter is free) is SnapshotInterpreter in schemas.ts.
 */
import { z } from 'zod';
import { LocalDate, LocalRange, LocalTime } from './admin.ts';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });

/** A BCP-47 language tag's shape: a language, then subtags (script, region, variant). */
const TAG_SHAPE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/**
 * The tag as Confer stores it (`PL` → `pl`, `pt-br` → `pt-BR`, `iw` → `he`), or null
 * when it is not a well-formed BCP-47 tag. Any language, not only those Confer's pages
 * are written in: an interpreter may speak Tigrinya.
 */
export function canonicalLanguage(tag: string): string | null {
  const t = tag.trim();
  if (!TAG_SHAPE.test(t) || t.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(t)[0] ?? null;
  } catch {
    return null;
  }
}

/** A language an interpreter speaks or a family needs; stored in its canonical form. */
export const LanguageTag = z
  .string()
  .max(35)
  .refine((t) => canonicalLanguage(t) !== null, 'Use a BCP-47 language code, such as pl, ur or pt-BR.');

export const InterpreterView = z.object({
  id,
  name: z.string(),
  /** Canonical BCP-47 tags, as entered (deduplicated). */
  languages: z.array(z.string()),
  /** Where their schedule is mailed; null: not given. */
  email: z.string().nullable(),
});
export const InterpreterList = z.object({ interpreters: z.array(InterpreterView) });

export const CreateInterpreterRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  languages: z.array(LanguageTag).min(1).max(20),
  email: z.email().max(254).nullable().optional(),
});
export const UpdateInterpreterRequest = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    languages: z.array(LanguageTag).min(1).max(20).optional(),
    email: z.email().max(254).nullable().optional(),
  })
  .refine((r) => Object.keys(r).length > 0, { message: 'Change at least one field.', path: [] });
export const DeletedInterpreter = z.object({ id, deleted: z.literal(true) });

/** One window, in the school's zone and as instants. */
export const InterpreterWindow = z.object({
  date: LocalDate,
  from: LocalTime,
  to: LocalTime,
  startsAt: instant,
  endsAt: instant,
});
/** Replaces the interpreter's windows at the event (school-local times; overlapping or touching ones are merged). */
export const SetInterpreterWindowsRequest = z.strictObject({ windows: z.array(LocalRange).max(20) });
export const InterpreterWindows = z.object({
  eventId: id,
  interpreterId: id,
  timeZone: z.string(),
  windows: z.array(InterpreterWindow),
});

export const SetFamilyInterpreterRequest = z.strictObject({ language: LanguageTag });
export const FamilyInterpreterView = z.object({
  familyId: id,
  /** The language the family needs an interpreter for; null: none. */
  language: z.string().nullable(),
});

export const InterpreterLoadRow = z.object({
  interpreterId: id,
  name: z.string(),
  languages: z.array(z.string()),
  windows: z.array(InterpreterWindow),
  /** Minutes of the event's windows they sit in. */
  windowMinutes: z.int(),
  /** Minutes of held and booked meetings they interpret (lapsed holds not counted). */
  bookedMinutes: z.int(),
  meetings: z.int(),
  /** windowMinutes − bookedMinutes. */
  freeMinutes: z.int(),
});
export const InterpreterLoad = z.object({
  eventId: id,
  timeZone: z.string(),
  interpreters: z.array(InterpreterLoadRow),
  /** Families of the school that need an interpreter, per language (what the load is for). */
  familiesNeeding: z.array(z.object({ language: z.string(), families: z.int() })),
});

export const InterpreterMeeting = z.object({
  bookingId: id,
  status: z.enum(['held', 'confirmed']),
  startsAt: instant,
  endsAt: instant,
  room: z.string(),
  teacherName: z.string(),
  familySurname: z.string(),
  studentName: z.string(),
  language: z.string(),
});
export const InterpreterSchedule = z.object({
  eventId: id,
  eventName: z.string(),
  timeZone: z.string(),
  interpreter: InterpreterView,
  windows: z.array(InterpreterWindow),
  /** Their held and booked meetings, in time order. */
  meetings: z.array(InterpreterMeeting),
});

export type InterpreterView = z.infer<typeof InterpreterView>;
export type InterpreterList = z.infer<typeof InterpreterList>;
export type CreateInterpreterRequest = z.infer<typeof CreateInterpreterRequest>;
export type UpdateInterpreterRequest = z.infer<typeof UpdateInterpreterRequest>;
export type DeletedInterpreter = z.infer<typeof DeletedInterpreter>;
export type InterpreterWindow = z.infer<typeof InterpreterWindow>;
export type SetInterpreterWindowsRequest = z.infer<typeof SetInterpreterWindowsRequest>;
export type InterpreterWindows = z.infer<typeof InterpreterWindows>;
export type SetFamilyInterpreterRequest = z.infer<typeof SetFamilyInterpreterRequest>;
export type FamilyInterpreterView = z.infer<typeof FamilyInterpreterView>;
export type InterpreterLoadRow = z.infer<typeof InterpreterLoadRow>;
export type InterpreterLoad = z.infer<typeof InterpreterLoad>;
export type InterpreterMeeting = z.infer<typeof InterpreterMeeting>;
export type InterpreterSchedule = z.infer<typeof InterpreterSchedule>;

/** The admin mails an interpreter their schedule, with a new one-time sign-in link. */
export const InterpreterScheduleMailQueued = z.object({
  interpreterId: id,
  /** Until when the link in the mail signs in (once). */
  linkExpiresAt: instant,
});
/** Every interpreter of the school with an e-mail gets one; those without are named. */
export const InterpreterScheduleMailsQueued = z.object({
  queued: z.array(InterpreterScheduleMailQueued),
  withoutEmail: z.array(z.object({ interpreterId: id, name: z.string() })),
});

/** The one-time token of an interpreter's sign-in link (`/interpreter?token=…`). */
export const InterpreterLoginRequest = z.strictObject({ token: z.string().min(1).max(200) });
export const InterpreterLoginResponse = z.object({
  /** A session token, like staff and families get; the same idle time-out. */
  token: z.string(),
  idleTimeoutSeconds: z.int(),
  interpreter: z.object({ id, name: z.string() }),
  eventId: id,
  schoolName: z.string(),
});

/** A meeting as the interpreter sees it: time, room, teacher, family and language (no child's name). */
export const InterpreterOwnMeeting = InterpreterMeeting.omit({ studentName: true });
/** The signed-in interpreter's own evening (GET /interpreter/schedule). */
export const InterpreterOwnSchedule = z.object({
  eventId: id,
  eventName: z.string(),
  schoolName: z.string(),
  timeZone: z.string(),
  interpreter: z.object({ id, name: z.string(), languages: z.array(z.string()) }),
  windows: z.array(InterpreterWindow),
  meetings: z.array(InterpreterOwnMeeting),
});

export type InterpreterScheduleMailQueued = z.infer<typeof InterpreterScheduleMailQueued>;
export type InterpreterScheduleMailsQueued = z.infer<typeof InterpreterScheduleMailsQueued>;
export type InterpreterLoginRequest = z.infer<typeof InterpreterLoginRequest>;
export type InterpreterLoginResponse = z.infer<typeof InterpreterLoginResponse>;
export type InterpreterOwnMeeting = z.infer<typeof InterpreterOwnMeeting>;
export type InterpreterOwnSchedule = z.infer<typeof InterpreterOwnSchedule>;
