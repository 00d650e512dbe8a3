import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Locale } from '../../../../protocol/locales.ts';
import type {
  FeedbackDetail,
  FeedbackStatus,
  FeedbackSummary,
  PublicFeedbackRequest,
  SubmitFeedbackRequest,
} from '../../../../protocol/schools.ts';
import { type Db, inTransaction, pgCode } from '../../infra/db.ts';
import type { RateLimit } from '../../infra/rate-limit.ts';
import { seal } from '../../infra/sealed-secret.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { staffDisplayName } from '../auth/auth.service.ts';
import type { Principal } from '../auth/principal.ts';
import { feedbackSecretDigest, newFeedbackSecret } from './feedback-secret.ts';

/** Whose inbox: one school's admins, or the operator's (about the service itself). */
export type FeedbackScope = { schoolId: string } | { about: 'service' };

export interface FeedbackDeps {
  db: Db;
  limit: RateLimit;
  /**
   * Acknowledgements per recipient: the public form takes any address, so without it
   * the form would mail a stranger as often as senders at different addresses like.
   */
  limitPerRecipient: RateLimit;
  /** Queues the acknowledgement mail; resolves false when no mail can be sent. */
  acknowledge: (feedbackId: string, reference: string) => Promise<boolean>;
  /**
   * Queues the mail of one reply to the sender. Called after the reply's commit; should
   * it fail, the workers' mail sweep finds the reply unsent and queues it (mail-sweep.ts).
   */
  mailReply: (feedbackId: string, replyId: string) => Promise<void>;
  /** Seals the secret until the acknowledgement carrying it is sent (infra/server-keys.ts). */
  sealKey: Buffer;
  logError: (err: unknown, context: string) => void;
}

export interface Submitted {
  reference: string;
  /** Shown once: only a digest is kept (feedback-secret.ts). */
  secret: string;
  acknowledgementQueued: boolean;
}

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

function newReference(): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `FB-${s}`;
}

interface Row {
  id: string;
  reference: string;
  kind: 'feedback' | 'complaint';
  about: 'school' | 'service';
  from_kind: 'family' | 'staff' | 'public';
  subject: string;
  status: FeedbackStatus;
  created_at: Date;
  updated_at: Date;
  name: string;
  email: string | null;
  body: string;
}

function summary(r: Row): FeedbackSummary {
  return {
    id: r.id,
    reference: r.reference,
    kind: r.kind,
    about: r.about,
    fromKind: r.from_kind,
    subject: r.subject,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function scopeSql(scope: FeedbackScope, param: number): { sql: string; value: string } {
  return 'schoolId' in scope
    ? { sql: `f.school_id = $${param} AND f.about = 'school'`, value: scope.schoolId }
    : { sql: `f.about = $${param}`, value: 'service' };
}

/** Feedback and complaints: a reference number, an acknowledgement, an inbox with a reply history. */
export class FeedbackService {
  constructor(private readonly deps: FeedbackDeps) {}

  private async charge(key: string): Promise<void> {
    const outcome = await this.deps.limit.consume(key);
    if (!outcome.allowed)
      throw new DomainError('rate_limited', 'Too many messages. Please try again later.', {
        retryAfter: outcome.retryAfterSeconds,
      });
  }

  /** From a signed-in family or staff member. */
  async submit(p: Principal, input: SubmitFeedbackRequest): Promise<Submitted> {
    await this.charge(p.kind === 'family' ? `family:${p.familyId}` : `staff:${p.staffId}`);
    let name = '';
    let email: string | null = input.email?.toLowerCase() ?? null;
    let language: Locale | null = input.language ?? null;
    if (p.kind === 'family') {
      const { rows } = await this.deps.db.query<{
        surname: string;
        email: string | null;
        language: Locale | null;
      }>('SELECT surname, email, language FROM families WHERE id = $1', [p.familyId]);
      name = rows[0] ? `${rows[0].surname} family` : '';
      email ??= rows[0]?.email ?? null;
      // A client that did not say (an older app) still writes to a family in its own language.
      language ??= rows[0]?.language ?? null;
    } else {
      const { rows } = await this.deps.db.query<{
        title: string;
        first_name: string;
        surname: string;
        email: string;
      }>('SELECT title, first_name, surname, email FROM staff WHERE id = $1', [p.staffId]);
      name = rows[0] ? staffDisplayName(rows[0]) : '';
      email ??= rows[0]?.email ?? null;
    }
    return this.store({
      schoolId: p.schoolId,
      about: input.about,
      kind: input.kind,
      fromKind: p.kind,
      familyId: p.kind === 'family' ? p.familyId : null,
      staffId: p.kind === 'staff' ? p.staffId : null,
      name,
      email,
      subject: input.subject,
      body: input.body,
      language,
    });
  }

  /** From the public form (login page): no account; the address is only a rate-limit key. */
  async submitPublic(input: PublicFeedbackRequest, address: string): Promise<Submitted> {
    await this.charge(`address:${address}`);
    let schoolId: string | null = null;
    if (input.schoolCode) {
      const { rows } = await this.deps.db.query<{ id: string }>('SELECT id FROM schools WHERE code = $1', [
        input.schoolCode.toUpperCase(),
      ]);
      if (!rows[0])
        throw new DomainError('invalid_input', 'There is no school with this code.', {
          issues: [{ path: 'schoolCode', message: 'unknown school code' }],
        });
      schoolId = rows[0].id;
    }
    return this.store({
      schoolId,
      about: schoolId ? 'school' : 'service',
      kind: input.kind,
      fromKind: 'public',
      familyId: null,
      staffId: null,
      name: input.name,
      email: input.email?.toLowerCase() ?? null,
      subject: input.subject,
      body: input.body,
      language: input.language ?? null,
    });
  }

  private async store(f: {
    schoolId: string | null;
    about: 'school' | 'service';
    kind: string;
    fromKind: string;
    familyId: string | null;
    staffId: string | null;
    name: string;
    email: string | null;
    subject: string;
    body: string;
    /** The language the form was shown in; null: not known (the mails are English). */
    language: Locale | null;
  }): Promise<Submitted> {
    const secret = newFeedbackSecret();
    for (let attempt = 0; ; attempt++) {
      const reference = newReference();
      // The id is drawn here so that the sealed secret can be bound to its row.
      const id = randomUUID();
      try {
        // The row and its line in the record of transactions in one statement: the
        // public form posts here past the API edge (docs/records.md, `by_service`).
        await this.deps.db.query(
          `WITH stored AS (
             INSERT INTO feedback (id, reference, school_id, about, kind, from_kind, family_id, staff_id, name, email,
                                   subject, body, secret_digest, secret_sealed, language)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             RETURNING id, school_id
           )
           INSERT INTO audit_log (school_id, actor_kind, actor_id, action, target, detail)
           SELECT school_id, $6, coalesce($7, $8),
                  CASE WHEN $6 = 'public' THEN 'submitPublicFeedback' ELSE 'submitFeedback' END,
                  jsonb_build_object('feedbackId', id), jsonb_build_object('request', jsonb_build_object('kind', $5::text, 'about', $4::text))
             FROM stored`,
          [
            id,
            reference,
            f.schoolId,
            f.about,
            f.kind,
            f.fromKind,
            f.familyId,
            f.staffId,
            f.name,
            f.email,
            f.subject,
            f.body,
            feedbackSecretDigest(secret),
            f.email ? seal(this.deps.sealKey, secret, id) : null,
            f.language,
          ],
        );
        const acknowledgementQueued = f.email ? await this.acknowledge(id, reference, f.email) : false;
        // No mail will carry the secret: it must not wait in the row for one.
        if (f.email && !acknowledgementQueued)
          await this.deps.db.query('UPDATE feedback SET secret_sealed = NULL WHERE id = $1', [id]);
        return { reference, secret, acknowledgementQueued };
      } catch (err) {
        // 31^8 references: a collision is rare, and a new draw fixes it.
        if (pgCode(err) === '23505' && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** Over the recipient's limit the feedback is still kept (and answered with its reference); only the mail is skipped. */
  private async acknowledge(feedbackId: string, reference: string, email: string): Promise<boolean> {
    // A digest, so the limiter's Redis key does not hold the address itself.
    const key = createHash('sha256').update(email).digest('base64url');
    if (!(await this.deps.limitPerRecipient.consume(key)).allowed) return false;
    return this.deps.acknowledge(feedbackId, reference);
  }

  async list(scope: FeedbackScope): Promise<FeedbackSummary[]> {
    const s = scopeSql(scope, 1);
    const { rows } = await this.deps.db.query<Row>(
      `SELECT f.* FROM feedback f WHERE ${s.sql}
        ORDER BY (f.status = 'resolved'), f.created_at DESC LIMIT 500`,
      [s.value],
    );
    return rows.map(summary);
  }

  async get(scope: FeedbackScope, id: string): Promise<FeedbackDetail> {
    const s = scopeSql(scope, 2);
    const { rows } = await this.deps.db.query<Row>(
      `SELECT f.* FROM feedback f WHERE f.id = $1 AND ${s.sql}`,
      [id, s.value],
    );
    const r = rows[0];
    if (!r) throw new DomainError('not_found');
    const { rows: replies } = await this.deps.db.query<{
      at: Date;
      author_kind: 'staff' | 'operator';
      author_name: string | null;
      body: string;
      status_to: FeedbackStatus | null;
    }>(
      `SELECT r.at, r.author_kind, r.body, r.status_to,
              coalesce(CASE WHEN st.id IS NOT NULL THEN
                         CASE WHEN st.title <> '' THEN st.title || ' ' || st.surname ELSE st.first_name || ' ' || st.surname END
                       END, o.name) AS author_name
         FROM feedback_replies r
         LEFT JOIN staff st ON r.author_kind = 'staff' AND st.id = r.author_id
         LEFT JOIN operators o ON r.author_kind = 'operator' AND o.id = r.author_id
        WHERE r.feedback_id = $1 ORDER BY r.id`,
      [id],
    );
    return {
      ...summary(r),
      name: r.name,
      email: r.email,
      body: r.body,
      replies: replies.map((x) => ({
        at: x.at.toISOString(),
        authorKind: x.author_kind,
        authorName: x.author_name ?? (x.author_kind === 'operator' ? 'Operator' : 'Staff'),
        body: x.body,
        statusTo: x.status_to,
      })),
    };
  }

  async reply(
    scope: FeedbackScope,
    id: string,
    input: { body: string; status?: FeedbackStatus | undefined },
    author: { kind: 'staff' | 'operator'; id: string },
  ): Promise<FeedbackDetail> {
    const s = scopeSql(scope, 2);
    const { replyId, mailed } = await inTransaction(this.deps.db, async (c) => {
      const { rows } = await c.query<{ email: string | null }>(
        `UPDATE feedback f SET updated_at = now(), status = coalesce($3, f.status)
          WHERE f.id = $1 AND ${s.sql} RETURNING f.email`,
        [id, s.value, input.status ?? null],
      );
      if (!rows[0]) throw new DomainError('not_found');
      const { rows: inserted } = await c.query<{ id: string }>(
        `INSERT INTO feedback_replies (feedback_id, author_kind, author_id, body, status_to)
         VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
        [id, author.kind, author.id, input.body, input.status ?? null],
      );
      return { replyId: inserted[0]!.id, mailed: rows[0].email !== null };
    });
    // Every reply reaches the sender (by mail when they gave an address, and on the
    // status page). Queued after the commit, so the worker finds the reply it mails.
    if (mailed) {
      await this.deps.mailReply(id, replyId).catch((err) => {
        // The reply stands; the workers' mail sweep queues its mail later.
        this.deps.logError(err, 'feedback reply mail');
      });
    }
    return this.get(scope, id);
  }
}
