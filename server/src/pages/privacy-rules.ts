import { PLAN_LIFETIME_MINUTES } from '../features/import/import.service.ts';
import {
  FEEDBACK_RETENTION_DAYS,
  FINISHED_MAIL_JOB_DAYS,
  IDEMPOTENCY_ANSWER_HOURS,
  type RetentionRule,
  SERVICE_RECORD_DAYS,
  SPENT_LINK_HOURS,
} from '../features/retention/retention-rules.ts';
import type { Translator } from '../i18n/translator.ts';

/**
 * retention-rules.ts in the reader's language: the same rules in the same order, with the
 * sweep's own constants. In English each is word for word retentionRules(), which the docs
 * are checked against (test/unit/privacy-rules.test.ts), so a translation translates the
 * one statement and cannot promise something else.
 */
export function privacyRules(
  t: Translator,
  period: number | null,
  archiveAfterDays: number,
): RetentionRule[] {
  const m = t.m;
  const p = period === null ? m.privacy_period_unknown() : m.privacy_period_days({ count: period });
  return [
    { what: m.privacy_rule_archive_what(), when: m.privacy_rule_archive_when({ count: archiveAfterDays }) },
    { what: m.privacy_rule_evenings_what(), when: m.privacy_rule_evenings_when({ period: p }) },
    { what: m.privacy_rule_leavers_what(), when: m.privacy_rule_leavers_when({ period: p }) },
    { what: m.privacy_rule_sessions_what(), when: m.privacy_rule_sessions_when({ period: p }) },
    {
      what: m.privacy_rule_links_what(),
      when: m.privacy_rule_links_when({ count: SPENT_LINK_HOURS }),
    },
    {
      what: m.privacy_rule_mail_log_what(),
      when: m.privacy_rule_mail_log_when({ period: p, count: SERVICE_RECORD_DAYS }),
    },
    {
      what: m.privacy_rule_mail_jobs_what(),
      when: m.privacy_rule_mail_jobs_when({ count: FINISHED_MAIL_JOB_DAYS }),
    },
    {
      what: m.privacy_rule_changes_what(),
      when: m.privacy_rule_changes_when({ period: p, count: SERVICE_RECORD_DAYS }),
    },
    {
      what: m.privacy_rule_feedback_what(),
      when: m.privacy_rule_feedback_when({ count: FEEDBACK_RETENTION_DAYS }),
    },
    {
      what: m.privacy_rule_import_plan_what(),
      when: m.privacy_rule_import_plan_when({ count: PLAN_LIFETIME_MINUTES }),
    },
    { what: m.privacy_rule_import_record_what(), when: m.privacy_rule_import_record_when({ period: p }) },
    {
      what: m.privacy_rule_idempotency_what(),
      when: m.privacy_rule_idempotency_when({ count: IDEMPOTENCY_ANSWER_HOURS }),
    },
  ];
}
