import { type ErrorBody, type ErrorCode, errorBody } from '../../../protocol/errors.ts';

/**
 * An expected refusal (slot taken, window closed, …). The one convention: code below
 * the edges refuses by THROWING it — inside a transaction, so nothing half-written
 * survives — and never builds `{ ok: false }` itself. A refusal becomes a value in two
 * places only: the edges (http/route.ts, socket/socket-gateway.ts, through
 * refusal-answer.ts), and idempotent writes (features/booking/idempotency.ts), where the
 * refusal is the answer stored for a retry — so the services built on that (booking,
 * family move, live-write) return a `Result` to the edge instead of throwing.
 */
export class DomainError extends Error {
  readonly body: ErrorBody;
  constructor(code: ErrorCode, message?: string, extra: Partial<Omit<ErrorBody, 'code' | 'message'>> = {}) {
    const body = errorBody(code, extra);
    if (message) body.message = message;
    super(body.message);
    this.body = body;
  }
  get code(): ErrorCode {
    return this.body.code;
  }
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
