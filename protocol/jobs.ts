/** Queue names and job payloads shared by the server (which enqueues) and the workers. */
export const QUEUES = {
  holdExpiry: 'hold-expiry',
} as const;

export interface HoldExpiryJob {
  bookingId: string;
  eventId: string;
}

/** Deterministic ids: a hold's expiry job can be added twice and exists once. */
export const jobIds = {
  holdExpiry: (bookingId: string) => `hold:${bookingId}`,
} as const;
