/**
 * The groups the API document files its operations under, each with the description
 * a reader of the document sees. A route names its tags from here (RouteDef.tags), so a
 * new group cannot reach the document without saying what it is for.
 */
export const API_TAGS = {
  auth: 'Signing in and out: families with a school code, surname and access code; staff with e-mail and password.',
  events: 'Parents’ evenings as families and staff see them: the events, their teachers and slots.',
  booking:
    'Holding, confirming, cancelling and moving appointments; every change passes the one booking policy.',
  itinerary: 'A family’s plan for an evening: the planner proposes a set of appointments, held in one step.',
  'waiting-list': 'Waiting for a teacher who is fully booked, and the offers made when a slot frees up.',
  fairness:
    'How an event opens: first come first served or a fair start (choices collected, then a recorded draw), and the virtual queue.',
  'on-the-night':
    'On the evening itself: a teacher running late, a teacher absent (with cover), and the times families are now expected.',
  interpreters:
    'Interpreters as a bookable resource: who speaks which language, when they sit, which families need one, their load and schedules.',
  languages:
    'The language a family reads Confer in, and a school’s own words for its families in each language.',
  teacher: 'A teacher’s own evening: the schedule and private notes on appointments.',
  admin: 'A school’s administrators: events, slots, staff actions on bookings, families and reports.',
  'access-codes': 'Families’ access codes: issuing them, letters to print and mailing them.',
  import: 'CSV imports of students, families and teachers (all or nothing).',
  staff: 'Staff accounts: invitations, roles, passwords and resets.',
  records:
    'What was booked and what is held: booking logs, schedules (CSV and print), a family’s data and its erasure.',
  stats: 'Aggregate, anonymous statistics: page views per day and page, and how an event was booked.',
  mail: "System-update e-mail: the opt-out by the token in each such mail's link (reading it changes nothing), and an admin's own preference.",
  feedback:
    'Feedback and complaints, from schools and the public; the replies, mailed to the sender; the status by reference and secret.',
  operator:
    'The service operator: schools, the service overview and feedback. Needs the operator’s token, not a school session.',
  status:
    'The state of each part of the service (database, Redis, workers, mail), for anyone, without personal data.',
} as const;

export type ApiTag = keyof typeof API_TAGS;
