import type { TransactionEntry } from '../../../../protocol/transactions.ts';
import { m } from '../../lib/i18n/messages.svelte.ts';
import { logActionText, readable } from './record-words.ts';

/**
 * The words an admin reads for an entry of the record of transactions. A booking-log
 * entry's action is a booking code ("confirmed"); any other entry's is the operation's
 * name ("updateEvent"), said here plainly. An operation this client does not know yet
 * (a newer server) is still shown readable: "setSomethingNew" → "Set something new".
 */
const CHANGE_TEXT: Record<string, () => string> = {
  loginStaff: () => m.admin_change_login_staff(),
  loginFamily: () => m.admin_change_login_family(),
  logout: () => m.admin_change_logout(),
  sessionTimedOut: () => m.admin_change_session_timed_out(),
  requestPasswordReset: () => m.admin_change_request_password_reset(),
  setPasswordWithLink: () => m.admin_change_set_password_with_link(),
  createEvent: () => m.admin_change_create_event(),
  updateEvent: () => m.admin_change_update_event(),
  setTeacherAvailability: () => m.admin_change_set_teacher_availability(),
  lengthenSlot: () => m.admin_change_lengthen_slot(),
  extendHold: () => m.admin_change_extend_hold(),
  setSharedChildMode: () => m.admin_change_set_shared_child_mode(),
  linkFamilyStudent: () => m.admin_change_link_family_student(),
  inviteStaff: () => m.admin_change_invite_staff(),
  sendStaffPasswordLink: () => m.admin_change_send_staff_password_link(),
  deactivateStaff: () => m.admin_change_deactivate_staff(),
  reactivateStaff: () => m.admin_change_reactivate_staff(),
  issueAccessCodes: () => m.admin_change_issue_access_codes(),
  printAccessCodeLetters: () => m.admin_change_print_access_code_letters(),
  emailAccessCodes: () => m.admin_change_email_access_codes(),
  importCsv: () => m.admin_change_import_csv(),
  restoreImport: () => m.admin_change_restore_import(),
  eraseFamily: () => m.admin_change_erase_family(),
  setBookingNote: () => m.admin_change_set_booking_note(),
  setRunningLate: () => m.admin_change_set_running_late(),
  markAbsent: () => m.admin_change_mark_absent(),
  setFairness: () => m.admin_change_set_fairness(),
  fairStartDraw: () => m.admin_change_fair_start_draw(),
  submitFairStartRequests: () => m.admin_change_submit_fair_start_requests(),
  joinQueue: () => m.admin_change_join_queue(),
  leaveQueue: () => m.admin_change_leave_queue(),
  joinWaitlist: () => m.admin_change_join_waitlist(),
  leaveWaitlist: () => m.admin_change_leave_waitlist(),
  reorderWaitlist: () => m.admin_change_reorder_waitlist(),
  setMustSee: () => m.admin_change_set_must_see(),
  waitlistOffer: () => m.admin_change_waitlist_offer(),
  declineOffer: () => m.admin_change_decline_offer(),
  submitFeedback: () => m.admin_change_submit_feedback(),
  submitPublicFeedback: () => m.admin_change_submit_public_feedback(),
  replyFeedback: () => m.admin_change_reply_feedback(),
  setMailPreferences: () => m.admin_change_set_mail_preferences(),
  optOutOfSystemMail: () => m.admin_change_opt_out_of_system_mail(),
  optInToSystemMail: () => m.admin_change_opt_in_to_system_mail(),
  updateSchoolSettings: () => m.admin_change_update_school_settings(),
  retentionPurge: () => m.admin_change_retention_purge(),
};

export function transactionActionText(e: Pick<TransactionEntry, 'source' | 'action'>): string {
  if (e.source === 'booking') return logActionText(e.action);
  return Object.hasOwn(CHANGE_TEXT, e.action) ? CHANGE_TEXT[e.action]!() : readable(e.action);
}

/** Who acted, in words: a family by surname, staff by name, Confer's own workers as such. */
export function transactionActorText(e: Pick<TransactionEntry, 'actorKind' | 'actorName'>): string {
  switch (e.actorKind) {
    case 'system':
    case 'worker':
      return m.admin_actor_system();
    case 'family':
      return e.actorName ? m.admin_actor_family({ family: e.actorName }) : m.admin_actor_a_family();
    case 'staff':
      return e.actorName ? m.admin_actor_staff({ name: e.actorName }) : m.admin_actor_some_staff();
    case 'operator':
      return m.admin_actor_operator();
    case 'public':
      return m.admin_actor_public();
  }
}
