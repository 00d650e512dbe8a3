import { z } from 'zod';
import { ConfirmHoldsRequest, CreateHoldRequest, idempotencyKey } from './schemas.ts';

const withKey = { idempotencyKey };

/**
 * What each socket command takes. The server validates every command with these
 * schemas and `ClientToServerEvents` (socket-events.ts) derives the client's argument
 * types from them, so the two cannot drift. Holds and confirmations take the same body
 * as their HTTP routes, plus the idempotency key the HTTP API carries in a header.
 */
export const SocketCommands = {
  'event:join': z.strictObject({ eventId: z.uuid() }),
  'event:leave': z.strictObject({ eventId: z.uuid() }),
  'slot:hold': CreateHoldRequest.extend(withKey),
  'hold:release': z.strictObject({ holdId: z.uuid(), ...withKey }),
  'booking:confirm': ConfirmHoldsRequest.extend(withKey),
  'booking:cancel': z.strictObject({ bookingId: z.uuid(), ...withKey }),
  'booking:move': z.strictObject({ bookingId: z.uuid(), slotId: z.uuid(), ...withKey }),
  'slot:block': z.strictObject({ slotId: z.uuid(), blocked: z.boolean(), ...withKey }),
} as const;

export type SocketCommandName = keyof typeof SocketCommands;
/** The argument a client sends with a command (what the schema accepts). */
export type SocketCommandInput<K extends SocketCommandName> = z.input<(typeof SocketCommands)[K]>;
