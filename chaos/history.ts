/** What a client was finally told about one write, after its retries. */
export type Outcome = 'ok' | 'refused' | 'ambiguous';

/** One write as the storm's clients saw it: every answer of the run is kept. */
export interface HistoryEntry {
  familyId: string;
  op: 'hold' | 'confirm' | 'release' | 'cancel';
  idempotencyKey: string;
  slotId: string;
  /** The booking the write made (hold) or acted on (the others); null for a hold that made none. */
  bookingId: string | null;
  outcome: Outcome;
  /** Last HTTP status (0: no answer) and error code. */
  status: number;
  code: string | null;
  attempts: number;
  /** Epoch ms when the first attempt left and when the last answer came. */
  startedAt: number;
  endedAt: number;
}

/**
 * How an answer is classed. A 2xx happened; a 4xx did not (the server says so and
 * says why); a 503 `unavailable` is the server's promise that nothing was done.
 * No answer, a 500 or a 504 leave the client not knowing: ambiguous.
 */
export function classify(status: number): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if ((status >= 400 && status < 500) || status === 503) return 'refused';
  return 'ambiguous';
}

/** Whether the client should try the same write again (same idempotency key). */
export function retryable(status: number): boolean {
  return status === 0 || status >= 500 || status === 429;
}
