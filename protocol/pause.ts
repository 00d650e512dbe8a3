/**
 * Pausing booking: an admin pauses one event of their school, the operator
 * every event of every school, each with a message the families see. While paused,
 * families' booking writes answer `503 unavailable` with the message (the booking
 * policy, migration 024); staff still book.
 */
import { z } from 'zod';

/** Why booking is paused, as a screen shows it; `by` says whose pause it is. */
export const PauseState = z.object({
  message: z.string(),
  since: z.iso.datetime({ offset: true }),
  by: z.enum(['school', 'operator']),
});

export const PauseRequest = z.strictObject({
  message: z.string().trim().min(1).max(500),
});

/** An event's pause as the admin set it, and what families see now (the operator's pause wins). */
export const EventPauseView = z.object({
  eventId: z.uuid(),
  /** The event's own pause (the admin's), or null. */
  own: PauseState.nullable(),
  /** What families of the event see: the operator's pause when there is one, else the event's. */
  effective: PauseState.nullable(),
});

export const ServicePauseView = z.object({
  paused: PauseState.nullable(),
  /** Events told live (those not archived). */
  eventsTold: z.number().int(),
});

/** Socket fact to every screen of the event: booking was paused (`paused` set) or resumed (null). */
export interface EventPaused {
  eventId: string;
  paused: PauseState | null;
}

export type PauseState = z.infer<typeof PauseState>;
export type PauseRequest = z.infer<typeof PauseRequest>;
export type EventPauseView = z.infer<typeof EventPauseView>;
export type ServicePauseView = z.infer<typeof ServicePauseView>;

/** One event as the operator's pause screen lists it: which school, when booking opens, its own pause. */
export const OperatorPauseEvent = z.object({
  eventId: z.uuid(),
  eventName: z.string(),
  schoolId: z.uuid(),
  schoolName: z.string(),
  bookingOpensAt: z.iso.datetime({ offset: true }),
  bookingClosesAt: z.iso.datetime({ offset: true }),
  /** The event's own pause (set by its admin or by the operator for this event), or null. */
  own: PauseState.nullable(),
});

/** GET /operator/pause: the operator's pause of everything, and every event not archived. */
export const OperatorPauseOverview = z.object({
  paused: PauseState.nullable(),
  events: z.array(OperatorPauseEvent),
});

export type OperatorPauseEvent = z.infer<typeof OperatorPauseEvent>;
export type OperatorPauseOverview = z.infer<typeof OperatorPauseOverview>;
