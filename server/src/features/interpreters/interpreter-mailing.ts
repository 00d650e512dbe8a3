import type {
  InterpreterScheduleMailQueued,
  InterpreterScheduleMailsQueued,
} from '../../../../protocol/interpreters.ts';
import type { EmailJob } from '../../../../protocol/jobs.ts';
import { type Db, inTransaction } from '../../infra/db.ts';
import { isoTime } from '../../infra/iso-time.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { eventInSchool, requireAdmin } from '../admin/admin-scope.ts';
import type { Principal } from '../auth/principal.ts';
import { issueInterpreterLink } from './interpreter-links.ts';

export interface InterpreterMailingDeps {
  db: Db;
  /** Seals the link's token until its mail is sent (infra/server-keys.ts, mailSeal). */
  sealKey: Buffer;
  /** The e-mail queue (features/staff/email-outbox.ts). */
  send: (jobs: EmailJob[]) => Promise<void>;
}

/**
 * An admin mails interpreters their schedule for an event: each mail gets a new
 * one-time sign-in link (the older unused one stops working) and is composed by the
 * worker when it is sent (interpreter-schedule-mail.ts), so it lists the meetings as
 * they stand then.
 */
export class InterpreterMailing {
  constructor(private readonly deps: InterpreterMailingDeps) {}

  async mailOne(
    p: Principal,
    eventId: string,
    interpreterId: string,
  ): Promise<InterpreterScheduleMailQueued> {
    requireAdmin(p);
    const job = await inTransaction(this.deps.db, async (c) => {
      await eventInSchool(c, p, eventId, { forChange: true });
      const { rows } = await c.query<{ email: string | null }>(
        'SELECT email FROM interpreters WHERE id = $1 AND school_id = $2 FOR UPDATE',
        [interpreterId, p.schoolId],
      );
      if (!rows[0]) throw new DomainError('not_found', 'No such interpreter.');
      if (!rows[0].email)
        throw new DomainError('invalid_input', 'This interpreter has no e-mail address: add one first.', {
          issues: [{ path: 'email', message: 'Add an e-mail address to mail the schedule.' }],
        });
      return this.issue(c, eventId, interpreterId);
    });
    await this.deps.send([job.mail]);
    return { interpreterId, linkExpiresAt: job.linkExpiresAt };
  }

  async mailAll(p: Principal, eventId: string): Promise<InterpreterScheduleMailsQueued> {
    requireAdmin(p);
    const { jobs, withoutEmail } = await inTransaction(this.deps.db, async (c) => {
      await eventInSchool(c, p, eventId, { forChange: true });
      const { rows } = await c.query<{ id: string; name: string; email: string | null }>(
        'SELECT id, name, email FROM interpreters WHERE school_id = $1 ORDER BY name, id FOR UPDATE',
        [p.schoolId],
      );
      const jobs: { interpreterId: string; mail: EmailJob; linkExpiresAt: string }[] = [];
      for (const r of rows.filter((r) => r.email))
        jobs.push({ interpreterId: r.id, ...(await this.issue(c, eventId, r.id)) });
      const withoutEmail = rows.filter((r) => !r.email).map((r) => ({ interpreterId: r.id, name: r.name }));
      return { jobs, withoutEmail };
    });
    await this.deps.send(jobs.map((j) => j.mail));
    return {
      queued: jobs.map((j) => ({ interpreterId: j.interpreterId, linkExpiresAt: j.linkExpiresAt })),
      withoutEmail,
    };
  }

  private async issue(
    c: Parameters<typeof issueInterpreterLink>[0],
    eventId: string,
    interpreterId: string,
  ): Promise<{ mail: EmailJob; linkExpiresAt: string }> {
    const link = await issueInterpreterLink(c, interpreterId, eventId, this.deps.sealKey);
    return {
      mail: { kind: 'interpreter-schedule', eventId, interpreterId, linkId: link.linkId },
      linkExpiresAt: isoTime(link.expiresAt),
    };
  }
}
