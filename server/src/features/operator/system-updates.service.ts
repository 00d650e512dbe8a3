import { randomBytes } from 'node:crypto';
import type {
  SendSystemUpdateRequest,
  SentSystemUpdate,
  SystemUpdateDraft,
  SystemUpdateHistory,
  SystemUpdatePreview,
} from '../../../../protocol/system-update.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { systemUpdateMail } from '../mail/templates/system-update-mail.ts';
import type { EmailOutbox } from '../staff/email-outbox.ts';

/**
 * The operator's system-update mail from the screen: previewed with the very template
 * the worker sends, queued as the command queues it (one `system-update-broadcast`
 * job; the worker fans it out and skips admins who opted out), and read back from the
 * sent-log as counts and dates only.
 */
export class SystemUpdatesService {
  constructor(
    private readonly db: Db,
    private readonly outbox: EmailOutbox,
    private readonly publicUrl: string,
  ) {}

  preview(draft: SystemUpdateDraft): SystemUpdatePreview {
    const mail = systemUpdateMail(
      {
        staffId: '00000000-0000-4000-8000-000000000000',
        email: 'admin@school.example',
        displayName: 'Ms A. Admin',
        isAdmin: true,
        active: true,
        optedOut: false,
        optOutToken: 'example',
        schoolId: '00000000-0000-4000-8000-000000000000',
        schoolName: 'Example School',
        timeZone: 'Europe/London',
      },
      draft.subject,
      draft.body,
      `${this.publicUrl.replace(/\/$/, '')}/mail/opt-out/…`,
    );
    return { subject: mail.subject, text: mail.text, html: mail.html };
  }

  async send(input: SendSystemUpdateRequest): Promise<SentSystemUpdate> {
    const { rows } = await this.db.query<{ school: boolean; admins: number }>(
      `SELECT ($1::uuid IS NULL OR EXISTS (SELECT 1 FROM schools WHERE id = $1)) AS school,
              (SELECT count(*)::int FROM staff
                WHERE is_admin AND active AND system_mail_opt_out_at IS NULL
                  AND ($1::uuid IS NULL OR school_id = $1)) AS admins`,
      [input.schoolId ?? null],
    );
    if (!rows[0]!.school) throw new DomainError('not_found', 'No such school.');
    const updateId = `update-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
    await this.outbox.send([
      {
        kind: 'system-update-broadcast',
        updateId,
        subject: input.subject,
        body: input.body,
        ...(input.schoolId ? { schoolId: input.schoolId } : {}),
      },
    ]);
    return { updateId, admins: rows[0]!.admins };
  }

  /** The sent-log's key is `email.<updateId>-<staffId>.system-update` (jobIds.email). */
  async history(): Promise<SystemUpdateHistory> {
    const { rows } = await this.db.query<{
      update_id: string;
      sent: number;
      sending: number;
      first_at: Date;
      last_at: Date;
    }>(
      `SELECT update_id, count(*) FILTER (WHERE state = 'sent')::int AS sent,
              count(*) FILTER (WHERE state = 'sending')::int AS sending,
              min(sent_at) AS first_at, max(sent_at) AS last_at
         FROM (SELECT substring(key FROM '^email\\.(.+)-[0-9a-f-]{36}\\.system-update$') AS update_id,
                      state, sent_at
                 FROM email_log WHERE kind LIKE 'system-update%') l
        WHERE update_id IS NOT NULL
        GROUP BY update_id ORDER BY max(sent_at) DESC LIMIT 100`,
    );
    return {
      updates: rows.map((r) => ({
        updateId: r.update_id,
        sent: r.sent,
        sending: r.sending,
        firstSentAt: r.first_at.toISOString(),
        lastSentAt: r.last_at.toISOString(),
      })),
    };
  }
}
