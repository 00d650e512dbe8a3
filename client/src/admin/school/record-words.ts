import type { BookingLogEntry, FeedbackSummary } from '../../../../protocol/schools.ts';
import { m } from '../../lib/i18n/messages.svelte.ts';

/**
 * The words an admin reads for the values the server stores as codes ("confirmed",
 * "complaint", "public"): the codes are for machines and CSV exports, the screen speaks
 * plainly. A code this client does not know yet (a newer server) is shown readable
 * rather than hidden.
 */
const LOG_ACTION_TEXT: Record<string, () => string> = {
  held: () => m.admin_log_action_held(),
  extended: () => m.admin_log_action_extended(),
  released: () => m.admin_log_action_released(),
  expired: () => m.admin_log_action_expired(),
  confirmed: () => m.admin_log_action_confirmed(),
  cancelled: () => m.admin_log_action_cancelled(),
  moved: () => m.admin_log_action_moved(),
  resized: () => m.admin_log_action_resized(),
  blocked: () => m.admin_log_action_blocked(),
  unblocked: () => m.admin_log_action_unblocked(),
  added: () => m.admin_log_action_added(),
  removed: () => m.admin_log_action_removed(),
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
  return Object.hasOwn(LOG_ACTION_TEXT, action) ? LOG_ACTION_TEXT[action]!() : readable(action);
}

/** Who did it: a family by its surname, staff by name, the server's own timers as such. */
export function logActorText(e: Pick<BookingLogEntry, 'actorKind' | 'actorName'>): string {
  if (e.actorKind === 'system') return m.admin_actor_system();
  if (e.actorKind === 'family')
    return e.actorName ? m.admin_actor_family({ family: e.actorName }) : m.admin_actor_a_family();
  return e.actorName ? m.admin_actor_staff({ name: e.actorName }) : m.admin_actor_some_staff();
}

const FEEDBACK_KIND_TEXT: Record<FeedbackSummary['kind'], () => string> = {
  feedback: () => m.admin_feedback_kind_feedback(),
  complaint: () => m.admin_feedback_kind_complaint(),
};
const FEEDBACK_FROM_TEXT: Record<FeedbackSummary['fromKind'], () => string> = {
  family: () => m.admin_feedback_from_family(),
  staff: () => m.admin_feedback_from_staff(),
  public: () => m.admin_feedback_from_public(),
};
/** The same, inside a sentence ("Complaint from Hill (not signed in)"): a message of its own, not lower-cased. */
const FEEDBACK_FROM_INLINE: Record<FeedbackSummary['fromKind'], () => string> = {
  family: () => m.admin_feedback_from_family_inline(),
  staff: () => m.admin_feedback_from_staff_inline(),
  public: () => m.admin_feedback_from_public_inline(),
};

export const feedbackKindText = (k: FeedbackSummary['kind']): string =>
  FEEDBACK_KIND_TEXT[k]?.() ?? readable(k);
export const feedbackFromText = (k: FeedbackSummary['fromKind']): string =>
  FEEDBACK_FROM_TEXT[k]?.() ?? readable(k);
export const feedbackFromInline = (k: FeedbackSummary['fromKind']): string =>
  FEEDBACK_FROM_INLINE[k]?.() ?? readable(k).toLowerCase();
