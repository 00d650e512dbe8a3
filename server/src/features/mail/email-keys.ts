import { createHash } from 'node:crypto';
import { type EmailJob, jobIds } from '../../../../protocol/jobs.ts';

/** What a booking mail is about: the booking, or a digest of the batch confirmed together. */
function bookingSubject(bookingIds: string[]): string {
  if (bookingIds.length === 1) return bookingIds[0]!;
  const sorted = [...new Set(bookingIds)].sort();
  return `batch-${createHash('sha256').update(sorted.join(',')).digest('hex').slice(0, 24)}`;
}

function subjectOf(job: EmailJob): string {
  switch (job.kind) {
    case 'booking-confirmed':
    case 'booking-cancelled':
      return bookingSubject(job.bookingIds);
    case 'booking-changed':
      // A booking can change more than once; each change is its own mail.
      return `${bookingSubject(job.bookingIds)}-${job.changeId}`;
    case 'reminder':
      return `${job.eventId}-${job.familyId}`;
    case 'family-notice':
      return `${job.familyId}-${job.noticeId}`;
    case 'booking-invitation':
      return job.invitationId;
    case 'teacher-schedule':
      return `${job.eventId}-${job.staffId}-${job.date}`;
    case 'staff-invitation':
      return `${job.staffId}-${job.inviteId}`;
    case 'interpreter-schedule':
      // Each mail has its own link: a new mail of the same schedule is a new mail.
      return `${job.interpreterId}-${job.linkId}`;
    case 'password-reset':
      return `${job.staffId}-${job.requestId}`;
    case 'system-update':
      return `${job.updateId}-${job.staffId}`;
    case 'access-code':
      // A new code is a new mail. The id is random, not derived from the code: ids are
      // logged and kept in Redis, and a digest of a 49-bit code can be reversed.
      return `${job.familyId}-${job.mailId}`;
    case 'feedback-received':
      return job.feedbackId;
    case 'feedback-reply':
      return `${job.feedbackId}-${job.replyId}`;
    case 'system-update-broadcast':
      return job.updateId;
  }
}

/**
 * The one key of a mail: its BullMQ job id and its sent-log key. Computed from the
 * payload (not taken from the job), so the same mail has the same key however it
 * was enqueued.
 */
export function emailKey(job: EmailJob): string {
  return jobIds.email(subjectOf(job), job.kind);
}
