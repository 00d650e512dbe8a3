import type { SlotFact } from '../../../../protocol/socket-events.ts';

/**
 * Facts travel between processes on one Redis pub/sub channel, once per commit, with
 * the whole slot (who is in it included): each server instance decides locally which
 * of its sockets see which fact and with how much of the slot (live-delivery.ts).
 * The workers publish their facts (lapsed holds) on the same channel.
 */
export const factChannel = (redisPrefix: string) => `${redisPrefix}live:facts`;

export interface FactEnvelope {
  fact: SlotFact;
  /** The family the fact concerns, whose own sockets see it whatever their interests. */
  familyId: string | null;
}

/**
 * Sends one commit's facts to every instance (a Redis PUBLISH on the fact channel).
 * A sender may return the PUBLISH's promise: the outbox relay waits on it.
 */
export type FactSender = (envelopes: FactEnvelope[]) => unknown;
