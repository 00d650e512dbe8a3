import { type ErrorBody, type ErrorCode, errorBody } from '../../../protocol/errors.ts';

/**
 * An expected refusal (slot taken, window closed, …). Services throw it inside
 * transactions so that nothing half-written survives; the edges turn it into a
 * `{ ok: false, error }` answer with its HTTP status.
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
