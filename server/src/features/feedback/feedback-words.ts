import type { FeedbackStatus } from '../../../../protocol/schools.ts';
import type { Translator } from '../../i18n/translator.ts';

/** A feedback item's status in the reader's words (FEEDBACK_STATUS_WORDS is the English). */
export function feedbackStatusText(t: Translator, status: FeedbackStatus): string {
  if (status === 'new') return t.m.page_feedback_status_new();
  if (status === 'in_progress') return t.m.page_feedback_status_in_progress();
  return t.m.page_feedback_status_resolved();
}

/** Who answers an item: the school by name, or the service's operator in the reader's words. */
export function answeredBy(t: Translator, schoolName: string | null): string {
  return schoolName ?? t.m.page_service_operator();
}
