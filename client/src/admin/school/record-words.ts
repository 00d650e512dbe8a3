import type { BookingLogEntry, FeedbackSummary } from '../../../../protocol/schools.ts';

/**
 * The words an admin reads for the values the server stores as codes ("confirmed",
 * "complaint", "public"): the codes are for machines and CSV exports, the screen speaks
 * plainly. A code this client does not know yet (a newer server) is shown readable
 * rather than hidden.
 */
const LOG_ACTION_TEXT: Record<string, string> = {
  held: 'Held',
  extended: 'Hold extended',
  released: 'Hold given up',
  expired: 'Hold ran out',
  confirmed: 'Booked',
  cancelled: 'Cancelled',
  moved: 'Moved',
  resized: 'Length changed',
  blocked: 'Time blocked',
  unblocked: 'Time unblocked',
  added: 'Time added',
  removed: 'Time removed',
};

/** A code no table here knows yet, readable: `no_show` → "No show", `setSomethingNew` → "Set something new". */
export function readable(code: string): string {
  const spaced = code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.-]+/g, ' ')
    .toLowerCase()
    .trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function logActionText(action: string): string {
  return LOG_ACTION_TEXT[action] ?? readable(action);
}

/** Who did it: a family by its surname, staff by name, the server's own timers as such. */
export function logActorText(e: Pick<BookingLogEntry, 'actorKind' | 'actorName'>): string {
  if (e.actorKind === 'system') return 'Automatic (Confer)';
  if (e.actorKind === 'family') return e.actorName ? `${e.actorName} family` : 'A family';
  return e.actorName ? `Staff: ${e.actorName}` : 'Staff';
}

const FEEDBACK_KIND_TEXT: Record<FeedbackSummary['kind'], string> = {
  feedback: 'Feedback',
  complaint: 'Complaint',
};
const FEEDBACK_FROM_TEXT: Record<FeedbackSummary['fromKind'], string> = {
  family: 'A family',
  staff: 'Staff',
  public: 'Not signed in',
};

export const feedbackKindText = (k: FeedbackSummary['kind']): string => FEEDBACK_KIND_TEXT[k] ?? readable(k);
export const feedbackFromText = (k: FeedbackSummary['fromKind']): string =>
  FEEDBACK_FROM_TEXT[k] ?? readable(k);
