/**
 * Which message areas (i18n/messages/<area>/) are compiled together, and for whom. Each part is
 * its own set of language modules, so a parent's browser downloads the family screens' English
 * (and its own language) without the staff screens' 800 messages or the mail's.
 */
export const parts = {
  /** The family's screens in the browser: translated, English loaded with the first page. */
  family: {
    areas: ['common', 'parent', 'errors', 'fairness', 'feedback', 'calendar'],
    translated: true,
    // Day and month names, translated only for languages some browser's Intl lacks (Welsh):
    // client/src/lib/i18n/calendar-names.ts. Not counted as missing elsewhere.
    whereNeeded: ['calendar'],
  },
  /** Mail, calendar files and server pages a family reads: translated, server only. */
  mail: { areas: ['mail', 'pages'], translated: true, whereNeeded: [] },
  /** Staff, operator and interpreter screens and mail: English only, loaded with those screens. */
  staff: { areas: ['admin', 'staff', 'interpreters'], translated: false, whereNeeded: [] },
} as const;

export type Part = keyof typeof parts;
