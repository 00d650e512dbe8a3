import type { TransactionEntry } from '../../../../protocol/transactions.ts';
import { logActionText, readable } from './record-words.ts';

/**
 * The words an admin reads for an entry of the record of transactions. A booking-log
 * entry's action is a booking code ("confirmed"); any other entry's is the operation's
 * name ("updateEvent"), said here plainly. An operation this client does not know yet
 * (a newer server) is still shown readable: "setSomethingNew" → "Set something new".
 */
const CHANGE_TEXT: Record<string, string> = {
  loginStaff: 'Signed in',
  loginFamily: 'Signed in',
  logout: 'Signed out',
  sessionTimedOut: 'Signed out after inactivity',
  requestPasswordReset: 'Asked for a password reset',
  setPasswordWithLink: 'Set a password from a link',
  createEvent: 'Created an event',
  updateEvent: 'Changed event settings',
  setTeacherAvailability: 'Changed a teacher’s times',
  lengthenSlot: 'Made an appointment time longer',
  extendHold: 'Extended a hold',
  setSharedChildMode: 'Chose joint or separate for shared children',
  linkFamilyStudent: 'Linked a second family to a child',
  inviteStaff: 'Invited a staff member',
  sendStaffPasswordLink: 'Sent a password link',
  deactivateStaff: 'Deactivated a staff account',
  reactivateStaff: 'Reactivated a staff account',
  issueAccessCodes: 'Issued access codes',
  printAccessCodeLetters: 'Printed access-code letters',
  emailAccessCodes: 'E-mailed access codes',
  importCsv: 'Imported a file (or checked one)',
  restoreImport: 'Undid an import',
  eraseFamily: 'Erased a family’s data',
  setBookingNote: 'Wrote a note on an appointment',
  setRunningLate: 'Running late',
  markAbsent: 'Marked a teacher absent',
  setFairness: 'Changed how booking opens',
  fairStartDraw: 'Fair-start draw made',
  submitFairStartRequests: 'Sent fair-start choices',
  joinQueue: 'Joined the queue',
  leaveQueue: 'Left the queue',
  joinWaitlist: 'Joined a waiting list',
  leaveWaitlist: 'Left a waiting list',
  reorderWaitlist: 'Reordered a waiting list',
  setMustSee: 'Marked a family as must-see',
  waitlistOffer: 'Waiting list offered a time',
  declineOffer: 'Declined an offer',
  submitFeedback: 'Sent feedback',
  submitPublicFeedback: 'Sent feedback (not signed in)',
  replyFeedback: 'Replied to feedback',
  setMailPreferences: 'Changed mail preferences',
  optOutOfSystemMail: 'Stopped service-update mail',
  optInToSystemMail: 'Restarted service-update mail',
  updateSchoolSettings: 'Changed school settings',
  retentionPurge: 'Old personal data removed',
};

export function transactionActionText(e: Pick<TransactionEntry, 'source' | 'action'>): string {
  if (e.source === 'booking') return logActionText(e.action);
  return CHANGE_TEXT[e.action] ?? readable(e.action);
}

/** Who acted, in words: a family by surname, staff by name, Confer's own workers as such. */
export function transactionActorText(e: Pick<TransactionEntry, 'actorKind' | 'actorName'>): string {
  switch (e.actorKind) {
    case 'system':
    case 'worker':
      return 'Automatic (Confer)';
    case 'family':
      return e.actorName ? `${e.actorName} family` : 'A family';
    case 'staff':
      return e.actorName ? `Staff: ${e.actorName}` : 'Staff';
    case 'operator':
      return 'The service operator';
    case 'public':
      return 'Not signed in';
  }
}
