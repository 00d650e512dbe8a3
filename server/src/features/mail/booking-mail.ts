import { createHash } from 'node:crypto';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import { translatorForLanguage } from '../../i18n/family-translator.ts';
import type { Db } from '../../infra/db.ts';
import type { Mailer } from '../../infra/mailer.ts';
import {
  type Appointment,
  type FamilyContext,
  loadConfirmedItinerary,
  loadFamilyBookings,
  loadFamilyContext,
} from './mail-data.ts';
import type { SentLog } from './sent-log.ts';
import {
  cancellationMail,
  changeMail,
  confirmationMail,
  reminderMail,
  type Sending,
} from './templates/booking-mails.ts';
import type { ComposedMail } from './templates/layout.ts';

export type BookingMailJob = Extract<
  EmailJob,
  { kind: 'booking-confirmed' | 'booking-cancelled' | 'booking-changed' | 'reminder' }
>;

export function isBookingMail(job: EmailJob): job is BookingMailJob {
  return (
    job.kind === 'booking-confirmed' ||
    job.kind === 'booking-cancelled' ||
    job.kind === 'booking-changed' ||
    job.kind === 'reminder'
  );
}

export type BookingMailOutcome =
  | 'sent'
  | 'already_sent'
  | 'no_recipient'
  /** What the mail was about is gone (all cancelled since …). */
  | 'nothing_to_send'
  /** The family was already sent a mail whose calendar file carried exactly this state. */
  | 'superseded';

export interface BookingMailDeps {
  db: Db;
  mailer: Mailer;
  sentLog: SentLog;
  /** The ORGANIZER of the calendar files: the address the mail comes from (MAIL_FROM). */
  organizerEmail: string;
  /** The right-hand side of Message-IDs. */
  messageDomain: string;
  now?: () => Date;
}

interface Composed {
  mail: ComposedMail;
  /** For a mail whose calendar file publishes the whole itinerary: what it carried. */
  shows: string | null;
  /** A confirmation or change that repeats a state already sent is left out. */
  skippable: boolean;
}

/**
 * A family's mails about its appointments (confirmed, cancelled, changed, reminder).
 * Each is composed from the database at the moment it may be sent — after the
 * sent-log gave it the family's turn — never from the moment it was queued: a
 * confirmation held back by an SMTP outage and sent after a change describes the
 * appointments as they are then, or, if the family already has that state in a
 * mail, is not sent at all. So in the order the family receives them, no mail shows
 * an older state than the one before it.
 */
export class BookingMails {
  constructor(private readonly deps: BookingMailDeps) {}

  async send(job: BookingMailJob, key: string): Promise<BookingMailOutcome> {
    const { db, sentLog } = this.deps;
    const ctx = await loadFamilyContext(db, job.familyId, job.eventId);
    if (!ctx) return 'nothing_to_send';
    const to = ctx.email;
    if (!to) return 'no_recipient';
    return sentLog.sendOnce<'nothing_to_send' | 'superseded'>(
      {
        key,
        kind: job.kind,
        schoolId: ctx.schoolId,
        eventId: ctx.eventId,
        recipient: to,
        familyId: ctx.familyId,
      },
      async () => {
        const composed = await this.compose(job, ctx);
        if (!composed) return { skip: 'nothing_to_send' };
        if (
          composed.skippable &&
          composed.shows &&
          (await sentLog.alreadyShown(ctx.familyId, ctx.eventId, composed.shows, key))
        )
          return { skip: 'superseded' };
        const sent = await this.deps.mailer.send({
          ...composed.mail,
          to,
          messageId: `<${key}@${this.deps.messageDomain}>`,
        });
        return { messageId: sent.messageId, shows: composed.shows };
      },
    );
  }

  private async compose(job: BookingMailJob, ctx: FamilyContext): Promise<Composed | null> {
    const { db } = this.deps;
    const sending: Sending = {
      at: this.deps.now?.() ?? new Date(),
      organizerEmail: this.deps.organizerEmail,
    };
    // The family's language with its school's own words over it.
    const t = await translatorForLanguage(db, ctx.schoolId, ctx.language);
    const itinerary = await loadConfirmedItinerary(db, job.familyId, job.eventId);
    const shows = itineraryDigest(itinerary);
    if (job.kind === 'reminder') {
      if (!itinerary.length) return null;
      return { mail: reminderMail(ctx, sending, itinerary, t), shows, skippable: false };
    }
    const concerned = await loadFamilyBookings(db, job.familyId, job.bookingIds);
    if (job.kind === 'booking-confirmed') {
      // Only if what was confirmed still stands; a cancellation mail follows otherwise.
      if (!concerned.some((b) => b.status === 'confirmed')) return null;
      return { mail: confirmationMail(ctx, sending, itinerary, job.by, t), shows, skippable: true };
    }
    if (job.kind === 'booking-cancelled') {
      const cancelled = concerned.filter((b) => b.status === 'cancelled');
      if (!cancelled.length) return null;
      // Never skipped: its file is the only one that removes these entries, and it
      // publishes nothing, so it does not count as having shown the itinerary.
      return {
        mail: cancellationMail(ctx, sending, cancelled, itinerary, job.by, t),
        shows: null,
        skippable: false,
      };
    }
    const changed = concerned.filter((b) => b.status === 'confirmed');
    if (!changed.length) return null;
    return { mail: changeMail(ctx, sending, changed, itinerary, job.by, t), shows, skippable: true };
  }
}

/** The itinerary as a calendar file carries it: which appointments, at which version. */
function itineraryDigest(list: Appointment[]): string {
  const items = list.map((a) => `${a.bookingId}:${a.sequence}`).sort();
  return createHash('sha256').update(items.join(',')).digest('hex');
}
