/**
 * Running many schools: operators and schools, staff accounts, imports,
 * access codes, records and data rights, anonymous statistics, feedback. The server
 * validates with these schemas; the client imports the inferred types. Endpoints are
 * described in docs/schools.md.
 */
import { z } from 'zod';
import { LocaleCode } from './languages.ts';
import { RetentionDays } from './school-settings.ts';
import { refusingUnstorableText } from './storable-text.ts';

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
const email = z.email().max(254);

/** An IANA zone name the runtime knows (Europe/London, not BST or +01:00). */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: tz });
      return tz.includes('/') || tz === 'UTC';
    } catch {
      return false;
    }
  }, 'Use an IANA time zone such as Europe/London.');

// ---- operator and schools -------------------------------------------------------

export const OperatorLoginRequest = z.strictObject({
  email,
  password: z.string().min(1).max(200),
});
export const OperatorView = z.object({ id, email: z.string(), name: z.string() });
export const OperatorLoginResponse = z.object({ token: z.string(), operator: OperatorView });

export const CreateSchoolRequest = z.strictObject({
  code: z.string().regex(/^[A-Z0-9]{3,16}$/, 'Use 3 to 16 capital letters or digits.'),
  name: z.string().trim().min(1).max(200),
  timeZone: TimeZone,
  /** The school's retention period in days: the same bounds as an admin's change (school-settings.ts). */
  retentionDays: RetentionDays,
  /** The school's first admin: invited by e-mail to set a password. */
  admin: z
    .strictObject({
      email,
      firstName: z.string().trim().min(1).max(100),
      surname: z.string().trim().min(1).max(100),
      title: z.string().trim().max(20).optional(),
    })
    .optional(),
});
export const SchoolSummary = z.object({
  id,
  code: z.string(),
  name: z.string(),
  timeZone: z.string(),
  retentionDays: z.number().int(),
  createdAt: instant,
  /** When the operator suspended the school (its people cannot sign in), or null. */
  suspendedAt: instant.nullable(),
  /** Aggregates only: the operator never sees a person. */
  counts: z.object({
    staff: z.number().int(),
    families: z.number().int(),
    students: z.number().int(),
    events: z.number().int(),
    confirmedBookings: z.number().int(),
  }),
});
export const SchoolList = z.object({ schools: z.array(SchoolSummary) });
/** The operator's change to one school: suspend or unsuspend it, and/or its retention period. */
export const UpdateSchoolRequest = z
  .strictObject({
    suspended: z.boolean().optional(),
    retentionDays: RetentionDays.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'Change at least one field.' });
export const CreateSchoolResponse = z.object({
  school: SchoolSummary,
  /** Set when an admin was named: the invitation went out by e-mail. */
  adminInvite: z.object({ staffId: id, expiresAt: instant }).nullable(),
});

// ---- staff accounts -------------------------------------------------------------

export const InviteStaffRequest = z.strictObject({
  email,
  firstName: z.string().trim().min(1).max(100),
  surname: z.string().trim().min(1).max(100),
  title: z.string().trim().max(20).optional(),
  isAdmin: z.boolean().default(false),
  isTeacher: z.boolean().default(true),
});
export const InviteStaffResponse = z.object({
  staffId: id,
  expiresAt: instant,
  /** False when no e-mail queue is configured (the link could not be sent). */
  emailQueued: z.boolean(),
});
export const StaffAccountView = z.object({
  id,
  email: z.string(),
  displayName: z.string(),
  isAdmin: z.boolean(),
  isTeacher: z.boolean(),
  active: z.boolean(),
  /** A password has been set (the invitation was accepted). */
  hasPassword: z.boolean(),
});
/** The secret from an invitation or reset link, and the new password. */
export const SetPasswordRequest = z.strictObject({
  token: z.string().min(20).max(200),
  password: z.string().min(1).max(200),
});
export const SetPasswordResponse = z.object({ email: z.string() });
export const RequestPasswordResetRequest = z.strictObject({ email });
/** Always the same answer, whether or not the address has an account. */
export const RequestPasswordResetResponse = z.object({ accepted: z.literal(true) });

// ---- imports -----------------------------------------------------------------------

export const ImportKind = z.enum(['teachers', 'students', 'families', 'family-students', 'class-lists']);
/** Columns per kind (case and spaces in the header do not matter; extra columns are refused). */
export const IMPORT_COLUMNS: Record<
  z.infer<typeof ImportKind>,
  { required: string[]; optional: string[] }
> = {
  teachers: { required: ['staff_id', 'first_name', 'surname', 'email'], optional: ['title', 'role'] },
  students: { required: ['student_id', 'first_name', 'surname', 'year', 'class'], optional: [] },
  families: {
    required: ['family_id', 'surname'],
    optional: ['email', 'interpreter', 'needs_interpreter', 'home_language', 'language'],
  },
  'family-students': { required: ['family_id', 'student_id'], optional: [] },
  'class-lists': { required: ['staff_id', 'student_id'], optional: ['subject'] },
};
// What an import will do and did: protocol/imports.ts (ImportPlanReport).

// ---- access codes ----------------------------------------------------------------

// "Every family" is a field of its own, never the meaning of a missing one: an empty
// or unreadable body used to regenerate every family's code.
export const AccessCodesRequest = z
  .strictObject({
    /** These families. */
    familyIds: z.array(id).min(1).max(20_000).optional(),
    /** Every family of the school (instead of familyIds). */
    all: z.literal(true).optional(),
    /** Only families that have no code yet (first letters), leaving existing codes alone. */
    onlyWithoutCode: z.boolean().default(false),
  })
  .refine((r) => (r.familyIds === undefined) !== (r.all === undefined), {
    message: 'Name the families (familyIds) or ask for every family (all: true), not both.',
    path: ['familyIds'],
  });
export const AccessCodesResponse = z.object({
  codes: z.array(z.object({ familyId: id, surname: z.string(), accessCode: z.string() })),
});
export const EmailAccessCodesResponse = z.object({
  queued: z.number().int(),
  /** Families with no e-mail address: their codes were left as they were. */
  withoutEmail: z.array(z.object({ familyId: id, surname: z.string() })),
});

// ---- records and data rights -------------------------------------------------------

export const BookingLogEntry = z.object({
  id: z.number().int(),
  at: instant,
  action: z.string(),
  actorKind: z.enum(['family', 'staff', 'system']),
  actorId: id.nullable(),
  actorName: z.string().nullable(),
  bookingId: id.nullable(),
  slotId: id,
  teacherName: z.string().nullable(),
  slotStartsAt: instant.nullable(),
  familyId: id.nullable(),
  familySurname: z.string().nullable(),
  studentId: id.nullable(),
  studentName: z.string().nullable(),
  version: z.number().int(),
});
export const BookingLogView = z.object({
  eventId: id,
  archived: z.boolean(),
  entries: z.array(BookingLogEntry),
});

export const FamilyExport = z.object({
  exportedAt: instant,
  school: z.object({ id, code: z.string(), name: z.string() }),
  family: z.object({
    id,
    externalId: z.string().nullable(),
    surname: z.string(),
    email: z.string().nullable(),
    hasAccessCode: z.boolean(),
    /** The language the family reads Confer and its mail in (null: not known). */
    language: LocaleCode.nullable(),
    /** The language it needs an interpreter for, a BCP-47 code (null: none). */
    interpreterLanguage: z.string().nullable(),
    createdAt: instant,
    erasedAt: instant.nullable(),
  }),
  students: z.array(
    z.object({
      id,
      externalId: z.string().nullable(),
      firstName: z.string(),
      surname: z.string(),
      yearGroup: z.string(),
      className: z.string(),
    }),
  ),
  bookings: z.array(
    z.object({
      id,
      eventId: id,
      eventName: z.string(),
      teacherName: z.string(),
      studentId: id,
      status: z.string(),
      startsAt: instant,
      endsAt: instant,
      createdBy: z.string(),
      createdAt: instant,
      /** The language of the interpreter held for the meeting (null: none was). */
      interpreterLanguage: z.string().nullable(),
    }),
  ),
  bookingLog: z.array(
    z.object({
      at: instant,
      eventId: id,
      action: z.string(),
      actorKind: z.string(),
      bookingId: id.nullable(),
    }),
  ),
  sessions: z.array(z.object({ createdAt: instant, lastSeenAt: instant, revokedAt: instant.nullable() })),
  feedback: z.array(
    z.object({
      reference: z.string(),
      subject: z.string(),
      body: z.string(),
      status: z.string(),
      /** The language its mails are written in (null: not known, English). */
      language: LocaleCode.nullable(),
      createdAt: instant,
    }),
  ),
  emailsSent: z.array(z.object({ kind: z.string(), sentAt: instant })),
  /** Teachers' invitations to book, and since when the family stopped them (null: it did not). */
  invitations: z.array(z.object({ eventId: id, teacherName: z.string(), sentAt: instant })),
  invitationsStoppedAt: instant.nullable(),
});
export const EraseFamilyResponse = z.object({
  familyId: id,
  /** Bookings kept without personal data, so counts stay right. */
  bookingsKept: z.number().int(),
  studentsAnonymised: z.number().int(),
});

// ---- statistics -------------------------------------------------------------------

/**
 * The pages the client counts (its screens, not URLs). A closed list: the beacon is
 * anonymous and public, so any other name would be a new row in the report for ever.
 */
export const KNOWN_PAGES = [
  'family-login',
  'staff-login',
  'parent',
  'teacher',
  'admin-console',
  'admin-event',
  'admin-availability',
  'admin-reports',
  'admin-fairness',
  'admin-interpreters',
  'admin-new',
  'admin-import',
  'admin-staff',
  'admin-codes',
  'admin-log',
  'admin-record',
  'admin-stats',
  'admin-feedback',
  'admin-families',
  'admin-retention',
] as const;
export type KnownPage = (typeof KNOWN_PAGES)[number];
export const PageName = z.enum(KNOWN_PAGES);
export const PageViewBeacon = z.strictObject({
  page: PageName,
  /** True for the first page of this browser tab's session (the client keeps a flag in sessionStorage). */
  first: z.boolean(),
});
export const TrafficReport = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  days: z.array(z.object({ day: z.iso.date(), views: z.number().int(), visits: z.number().int() })),
  pages: z.array(z.object({ page: z.string(), views: z.number().int(), visits: z.number().int() })),
});
export const EventStats = z.object({
  eventId: id,
  families: z.number().int(),
  familiesBooked: z.number().int(),
  /** familiesBooked / families × 100, one decimal. */
  percentBooked: z.number(),
  confirmedBookings: z.number().int(),
  bookingsPerTeacher: z.array(z.object({ teacherId: id, name: z.string(), bookings: z.number().int() })),
  /** Confirmations per minute after booking opened (minute 0 = the first minute). */
  perMinute: z.array(z.object({ minute: z.number().int(), bookings: z.number().int() })),
  /** The most sockets of this school open at once on any day of the booking window. */
  peakConnections: z.number().int(),
});
export const OperatorOverview = z.object({
  schools: z.number().int(),
  staff: z.number().int(),
  families: z.number().int(),
  confirmedBookings: z.number().int(),
  traffic: TrafficReport,
});

// ---- feedback -----------------------------------------------------------------------

export const FeedbackKind = z.enum(['feedback', 'complaint']);
export const FeedbackAbout = z.enum(['school', 'service']);
export const FeedbackStatus = z.enum(['new', 'in_progress', 'resolved']);
export const SubmitFeedbackRequest = z.strictObject({
  kind: FeedbackKind,
  /** `service`: about Confer itself (goes to the operator); `school`: to the school's admins. */
  about: FeedbackAbout.default('school'),
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(5000),
  /** Where to send the acknowledgement; the account's own address when omitted. */
  email: email.optional(),
  /**
   * The language the form was shown in: the acknowledgement and every reply are written in
   * it. Omitted: a family's own language, else English. Never the pseudo-locale en-XA.
   */
  language: LocaleCode.optional(),
});
// Also read by the public feedback page, a form outside the API's edge checks.
export const PublicFeedbackRequest = refusingUnstorableText(
  z.strictObject({
    kind: FeedbackKind,
    /** The school it is about; about the service itself when omitted. */
    schoolCode: z
      .string()
      .regex(/^[A-Za-z0-9]{3,16}$/)
      .optional(),
    name: z.string().trim().min(1).max(200),
    email: email.optional(),
    subject: z.string().trim().min(1).max(200),
    body: z.string().trim().min(1).max(5000),
    /** The language the form was shown in, for the mails about it; English when omitted. */
    language: LocaleCode.optional(),
  }),
);
export const SubmitFeedbackResponse = z.object({
  reference: z.string(),
  /**
   * With the reference, opens the status page (/feedback/status). Shown this once and
   * mailed with the acknowledgement; the server keeps only a digest.
   */
  secret: z.string(),
  /** An acknowledgement e-mail was queued. */
  acknowledgementQueued: z.boolean(),
});
export const FeedbackSummary = z.object({
  id,
  reference: z.string(),
  kind: FeedbackKind,
  about: FeedbackAbout,
  fromKind: z.enum(['family', 'staff', 'public']),
  subject: z.string(),
  status: FeedbackStatus,
  createdAt: instant,
  updatedAt: instant,
});
export const FeedbackList = z.object({ items: z.array(FeedbackSummary) });
export const FeedbackDetail = FeedbackSummary.extend({
  name: z.string(),
  email: z.string().nullable(),
  body: z.string(),
  replies: z.array(
    z.object({
      at: instant,
      authorKind: z.enum(['staff', 'operator']),
      authorName: z.string(),
      body: z.string(),
      statusTo: FeedbackStatus.nullable(),
    }),
  ),
});
export const ReplyFeedbackRequest = z.strictObject({
  body: z.string().trim().min(1).max(5000),
  /** Moves the item to this status with the reply. */
  status: FeedbackStatus.optional(),
});

export type CreateSchoolRequest = z.infer<typeof CreateSchoolRequest>;
export type SchoolSummary = z.infer<typeof SchoolSummary>;
export type UpdateSchoolRequest = z.infer<typeof UpdateSchoolRequest>;
export type InviteStaffRequest = z.infer<typeof InviteStaffRequest>;
export type StaffAccountView = z.infer<typeof StaffAccountView>;
export type ImportKind = z.infer<typeof ImportKind>;
export type AccessCodesRequest = z.infer<typeof AccessCodesRequest>;
export type BookingLogEntry = z.infer<typeof BookingLogEntry>;
export type BookingLogView = z.infer<typeof BookingLogView>;
export type FamilyExport = z.infer<typeof FamilyExport>;
export type EraseFamilyResponse = z.infer<typeof EraseFamilyResponse>;
export type TrafficReport = z.infer<typeof TrafficReport>;
export type EventStats = z.infer<typeof EventStats>;
export type OperatorOverview = z.infer<typeof OperatorOverview>;
export type SubmitFeedbackRequest = z.infer<typeof SubmitFeedbackRequest>;
export type PublicFeedbackRequest = z.infer<typeof PublicFeedbackRequest>;
export type FeedbackSummary = z.infer<typeof FeedbackSummary>;
export type FeedbackDetail = z.infer<typeof FeedbackDetail>;
export type FeedbackStatus = z.infer<typeof FeedbackStatus>;
