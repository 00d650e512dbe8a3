import type { EmailJob } from '../../../../protocol/jobs.ts';
import { translatorForLanguage } from '../../i18n/family-translator.ts';
import type { Db } from '../../infra/db.ts';
import type { Mailer } from '../../infra/mailer.ts';
import { composeAccessCodeMail } from '../access-codes/access-code-mail.ts';
import { composeFeedbackAck, composeFeedbackReply } from '../feedback/feedback-mail.ts';
import { composeInterpreterScheduleMail } from '../interpreters/interpreter-schedule-mail.ts';
import { passwordLink, tokenForMail } from '../staff/staff-links.ts';
import { type BookingMailJob, BookingMails, isBookingMail } from './booking-mail.ts';
import { emailKey } from './email-keys.ts';
import { composeInvitationMail } from './invitation-mail.ts';
import { loadFamilyContext, loadStaffContext, loadTeacherDay } from './mail-data.ts';
import { SentLog } from './sent-log.ts';
import { familyNoticeMail } from './templates/family-notice-mail.ts';
import type { ComposedMail } from './templates/layout.ts';
import { invitationMail, passwordResetMail } from './templates/staff-account-mails.ts';
import { systemUpdateMail } from './templates/system-update-mail.ts';
import { teacherScheduleMail } from './templates/teacher-schedule-mail.ts';

export type MailOutcome =
  | 'sent'
  | 'already_sent'
  /** No address (families may have none): nothing to send, nothing failed. */
  | 'no_recipient'
  | 'opted_out'
  /** What the mail was about is gone (all cancelled since, account removed …). */
  | 'nothing_to_send'
  /** A family's confirmation or change whose state a mail already sent carried (booking-mail.ts). */
  | 'superseded'
  | 'fanned_out';

export interface MailServiceDeps {
  db: Db;
  mailer: Mailer;
  /** Base of links in mails (opt-out); PUBLIC_URL or the server's own address. */
  publicUrl: string;
  /** Adds per-recipient jobs (system-update fan-out). */
  enqueue: (jobs: EmailJob[]) => Promise<void>;
  /** How long one attempt owns a mail before another may send it (sent-log.ts); default 60 s. */
  sendLeaseMs?: number;
  /** Opens the secrets (access codes, link tokens) that wait sealed for their mail (infra/server-keys.ts). */
  sealKey: Buffer;
  /** The From address (of MAIL_FROM): the ORGANIZER of the families' calendar files. */
  organizerEmail: string;
}

interface Addressed {
  to: string | null;
  schoolId: string | null;
  eventId: string | null;
  mail: ComposedMail | null;
  skip?: MailOutcome;
  /** Runs once the mail is sent: drops the sealed secret it carried, so none outlives its mail. */
  afterSent?: () => Promise<void>;
}

/**
 * Turns an e-mail job into a message through the sent-log: once when the outcome of
 * each attempt is known, again with the same Message-ID when it is not (sent-log.ts).
 */
export class MailService {
  private readonly sentLog: SentLog;
  private readonly bookingMails: BookingMails;
  private readonly messageDomain: string;

  constructor(private readonly deps: MailServiceDeps) {
    this.sentLog = new SentLog(deps.db, deps.sendLeaseMs ?? 60_000);
    this.messageDomain = deps.publicUrl.replace(/^\w+:\/\//, '').replace(/[:/].*$/, '') || 'confer.local';
    this.bookingMails = new BookingMails({
      db: deps.db,
      mailer: deps.mailer,
      sentLog: this.sentLog,
      organizerEmail: deps.organizerEmail,
      messageDomain: this.messageDomain,
    });
  }

  /** The opt-out page (pages/opt-out-page.ts): a GET shows a button, a POST opts out. */
  optOutLink(token: string): string {
    return `${this.deps.publicUrl.replace(/\/$/, '')}/mail/opt-out/${token}`;
  }

  async handle(job: EmailJob): Promise<MailOutcome> {
    const key = emailKey(job);
    if (job.kind === 'system-update-broadcast') return this.fanOut(job);
    // A family's booking mails are composed only when their turn to be sent comes; their
    // claim in the sent-log answers a mail already sent (one statement fewer per mail).
    if (isBookingMail(job)) return this.bookingMails.send(job, key);
    // Cheap early exit for a retry after the mail went out; sendOnce decides anyway.
    if (await this.sentLog.wasSent(key)) return 'already_sent';
    const a = await this.compose(job);
    if (a.skip) return a.skip;
    if (!a.to) return 'no_recipient';
    if (!a.mail) return 'nothing_to_send';
    const { to, mail } = a;
    const domain = this.messageDomain;
    const outcome = await this.sentLog.sendOnce(
      { key, kind: job.kind, schoolId: a.schoolId, eventId: a.eventId, recipient: to },
      () => this.deps.mailer.send({ ...mail, to, messageId: `<${key}@${domain}>` }),
    );
    if (outcome === 'sent' || outcome === 'already_sent') await a.afterSent?.();
    return outcome;
  }

  private async compose(
    job: Exclude<EmailJob, { kind: 'system-update-broadcast' } | BookingMailJob>,
  ): Promise<Addressed> {
    const { db } = this.deps;
    switch (job.kind) {
      case 'family-notice': {
        const ctx = await loadFamilyContext(db, job.familyId, job.eventId);
        if (!ctx) return { to: null, schoolId: null, eventId: null, mail: null, skip: 'nothing_to_send' };
        const mail = ctx.email
          ? familyNoticeMail(
              ctx,
              job.subject,
              job.body,
              await translatorForLanguage(db, ctx.schoolId, ctx.language),
            )
          : null;
        return { to: ctx.email, schoolId: ctx.schoolId, eventId: ctx.eventId, mail };
      }
      case 'booking-invitation': {
        const a = await composeInvitationMail(db, job.invitationId, this.deps.publicUrl);
        return { ...a, eventId: job.eventId };
      }
      case 'teacher-schedule': {
        const [staff, day] = await Promise.all([
          loadStaffContext(db, job.staffId),
          loadTeacherDay(db, job.staffId, job.eventId, job.date),
        ]);
        if (!staff?.active || !day)
          return { to: null, schoolId: null, eventId: null, mail: null, skip: 'nothing_to_send' };
        const first = day.appointments[0];
        return {
          to: staff.email,
          schoolId: staff.schoolId,
          eventId: job.eventId,
          mail: first
            ? teacherScheduleMail(staff.displayName, day.event, first.startsAt, day.appointments)
            : null,
        };
      }
      case 'staff-invitation':
      case 'password-reset': {
        const staff = await loadStaffContext(db, job.staffId);
        const linkId = job.kind === 'staff-invitation' ? job.inviteId : job.requestId;
        // A link used, retired by a newer one or expired is not mailed.
        const link = staff?.active ? await tokenForMail(db, linkId, job.staffId, this.deps.sealKey) : null;
        if (!staff || !link)
          return { to: null, schoolId: null, eventId: null, mail: null, skip: 'nothing_to_send' };
        const url = passwordLink(this.deps.publicUrl, link.token);
        const mail =
          job.kind === 'staff-invitation' ? invitationMail(staff, url) : passwordResetMail(staff, url);
        return { to: staff.email, schoolId: staff.schoolId, eventId: null, mail, afterSent: link.forget };
      }
      case 'interpreter-schedule':
        return composeInterpreterScheduleMail(
          {
            db,
            sealKey: this.deps.sealKey,
            publicUrl: this.deps.publicUrl,
            organizerEmail: this.deps.organizerEmail,
          },
          job,
        );
      case 'access-code': {
        const a = await composeAccessCodeMail(
          db,
          job.familyId,
          job.mailId,
          this.deps.sealKey,
          this.deps.publicUrl,
        );
        return { ...a, eventId: null, ...(a.to ? {} : { skip: 'nothing_to_send' as const }) };
      }
      case 'feedback-received':
        return {
          ...(await composeFeedbackAck(db, job.feedbackId, this.deps.sealKey, this.deps.publicUrl)),
          eventId: null,
        };
      case 'feedback-reply':
        return {
          ...(await composeFeedbackReply(db, job.feedbackId, job.replyId, this.deps.publicUrl)),
          eventId: null,
        };
      case 'system-update': {
        const staff = await loadStaffContext(db, job.staffId);
        if (!staff?.active || !staff.isAdmin)
          return { to: null, schoolId: null, eventId: null, mail: null, skip: 'nothing_to_send' };
        // Checked when sending, not only when fanning out: an opt-out clicked while
        // the broadcast is under way still counts.
        if (staff.optedOut) return { to: null, schoolId: null, eventId: null, mail: null, skip: 'opted_out' };
        return {
          to: staff.email,
          schoolId: staff.schoolId,
          eventId: null,
          mail: systemUpdateMail(staff, job.subject, job.body, this.optOutLink(staff.optOutToken)),
        };
      }
    }
  }

  private async fanOut(job: Extract<EmailJob, { kind: 'system-update-broadcast' }>): Promise<MailOutcome> {
    const { rows } = await this.deps.db.query<{ id: string }>(
      `SELECT id FROM staff
        WHERE is_admin AND active AND system_mail_opt_out_at IS NULL
          AND ($1::uuid IS NULL OR school_id = $1)
        ORDER BY id`,
      [job.schoolId ?? null],
    );
    await this.deps.enqueue(
      rows.map((r) => ({
        kind: 'system-update',
        updateId: job.updateId,
        staffId: r.id,
        subject: job.subject,
        body: job.body,
      })),
    );
    return 'fanned_out';
  }
}
