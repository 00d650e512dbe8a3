/**
 * The Redis keys the workers write and the status report reads: one place, so the
 * two processes cannot drift apart.
 */
export const WORKERS_HEARTBEAT_SECONDS = 10;
/** A beat older than this (three missed beats) means no worker is running. */
export const WORKERS_STALE_SECONDS = 3 * WORKERS_HEARTBEAT_SECONDS;
/** How long the last mail outcome is kept: older than a day says nothing about tonight. */
export const MAIL_OUTCOME_TTL_SECONDS = 24 * 60 * 60;

export function workersHeartbeatKey(prefix: string): string {
  return `${prefix}status:workers`;
}

export function mailOutcomeKey(prefix: string): string {
  return `${prefix}status:mail`;
}

/** What the workers store of a mail attempt: whether the relay took it, and when. */
export interface MailOutcome {
  ok: boolean;
  at: number;
}
