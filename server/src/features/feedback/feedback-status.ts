import {
  FEEDBACK_STATUS_WORDS,
  type FeedbackStatusRequest,
  type FeedbackStatusView,
} from '../../../../protocol/feedback-status.ts';
import type { FeedbackStatus } from '../../../../protocol/schools.ts';
import type { Db } from '../../infra/db.ts';
import type { AttemptBackoff, RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { feedbackSecretMatches } from './feedback-secret.ts';

export interface FeedbackStatusDeps {
  db: Db;
  /** Lookups per address: one address cannot try many secrets. */
  perAddress: RateLimit;
  /** Growing delays per reference: many addresses together cannot either. */
  perReference: AttemptBackoff;
}

/** Who answers: named on the status page, in the API and in the reply mail. */
export const SERVICE_OPERATOR = 'the Confer service operator';
/** Items about the service belong to no school: their dates are read in UK time. */
export const SERVICE_TIME_ZONE = 'Europe/London';

/**
 * The sender's view of their feedback or complaint, opened by reference and secret.
 * A reference that does not exist and a wrong secret get the same refusal, after the
 * same work, so the answer does not tell which references exist.
 */
export class FeedbackStatusLookup {
  constructor(private readonly deps: FeedbackStatusDeps) {}

  async lookup(input: FeedbackStatusRequest, address: string): Promise<FeedbackStatusView> {
    // Both limits count the attempt before it is judged, and the reference's whether
    // it exists or not: a refusal for being too fast says nothing about the reference.
    for (const outcome of [
      await this.deps.perAddress.consume(`address:${address}`),
      await this.deps.perReference.attempt(input.reference),
    ]) {
      if (!outcome.allowed)
        throw new DomainError('rate_limited', 'Too many tries. Please wait and try again.', {
          retryAfter: outcome.retryAfterSeconds,
        });
    }
    const { rows } = await this.deps.db.query<{
      id: string;
      reference: string;
      kind: 'feedback' | 'complaint';
      about: 'school' | 'service';
      status: FeedbackStatus;
      created_at: Date;
      updated_at: Date;
      secret_digest: string | null;
      school_name: string | null;
      time_zone: string | null;
    }>(
      `SELECT f.id, f.reference, f.kind, f.about, f.status, f.created_at, f.updated_at, f.secret_digest,
              s.name AS school_name, s.time_zone
         FROM feedback f LEFT JOIN schools s ON s.id = f.school_id AND f.about = 'school'
        WHERE f.reference = $1`,
      [input.reference],
    );
    const r = rows[0];
    if (!feedbackSecretMatches(input.secret, r?.secret_digest ?? null) || !r)
      throw new DomainError(
        'not_found',
        'No item matches this reference and secret. Check both and try again.',
      );
    await this.deps.perReference.reset(input.reference);
    const answeredBy = r.school_name ?? SERVICE_OPERATOR;
    const { rows: replies } = await this.deps.db.query<{
      at: Date;
      body: string;
      status_to: FeedbackStatus | null;
    }>('SELECT at, body, status_to FROM feedback_replies WHERE feedback_id = $1 ORDER BY id', [r.id]);
    return {
      reference: r.reference,
      kind: r.kind,
      about: r.about,
      answeredBy,
      status: r.status,
      statusText: FEEDBACK_STATUS_WORDS[r.status],
      timeZone: r.time_zone ?? SERVICE_TIME_ZONE,
      receivedAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      replies: replies.map((x) => ({
        at: x.at.toISOString(),
        from: answeredBy,
        body: x.body,
        statusTo: x.status_to,
      })),
    };
  }
}
