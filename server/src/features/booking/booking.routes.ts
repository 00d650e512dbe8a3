import { z } from 'zod';
import {
  BookingList,
  BookingView,
  ConfirmHoldsRequest,
  CreateHoldRequest,
  SlotBlockRequest,
  SlotView,
} from '../../../../protocol/schemas.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import type { BookingService } from './booking.service.ts';

export function bookingRoutes(booking: BookingService): RouteDef<any, any>[] {
  return [
    defineRoute({
      method: 'post',
      path: '/holds',
      operationId: 'createHold',
      summary: 'Hold a slot for a child for a short time (the event’s hold length) while the family chooses.',
      tags: ['booking'],
      access: 'any',
      idempotent: true,
      body: CreateHoldRequest,
      response: BookingView,
      errors: [
        'slot_taken',
        'clash',
        'gap',
        'window_closed',
        'not_your_teacher',
        'cap_reached',
        'not_found',
        'unavailable',
      ],
      handler: ({ principal, body, idempotencyKey }) =>
        booking.hold(principal, body, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'post',
      path: '/holds/confirm',
      operationId: 'confirmHolds',
      summary: "Confirm the family's holds together: all of them, or none.",
      tags: ['booking'],
      access: 'any',
      idempotent: true,
      body: ConfirmHoldsRequest,
      response: BookingList,
      errors: ['hold_expired', 'window_closed', 'not_found', 'unavailable'],
      handler: ({ principal, body, idempotencyKey }) =>
        booking.confirm(principal, body, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'delete',
      path: '/holds/:holdId',
      operationId: 'releaseHold',
      summary: 'Let go of a hold before it lapses.',
      tags: ['booking'],
      access: 'any',
      idempotent: true,
      params: z.object({ holdId: z.uuid() }),
      response: BookingView,
      errors: ['hold_expired', 'not_found'],
      handler: ({ principal, params, idempotencyKey }) =>
        booking.releaseHold(principal, params.holdId, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'post',
      path: '/holds/:holdId/extend',
      operationId: 'extendHold',
      summary: "More time on a live hold: the event's hold length again, from now (at most 10 times).",
      tags: ['booking'],
      access: 'any',
      idempotent: true,
      params: z.object({ holdId: z.uuid() }),
      response: BookingView,
      errors: ['hold_expired', 'cap_reached', 'window_closed', 'not_found'],
      handler: ({ principal, params, idempotencyKey }) =>
        booking.extendHold(principal, params.holdId, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'post',
      path: '/bookings/:bookingId/cancel',
      operationId: 'cancelBooking',
      summary: "Cancel a booking: families until the event's cut-off, admins at any time.",
      tags: ['booking'],
      access: 'any',
      idempotent: true,
      params: z.object({ bookingId: z.uuid() }),
      response: BookingView,
      errors: ['window_closed', 'not_found'],
      handler: ({ principal, params, idempotencyKey }) =>
        booking.cancel(principal, params.bookingId, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'get',
      path: '/events/:eventId/bookings/mine',
      operationId: 'listMyBookings',
      summary: "The family's itinerary for an event: its live holds and confirmed bookings, in time order.",
      tags: ['booking'],
      access: 'family',
      params: z.object({ eventId: z.uuid() }),
      response: BookingList,
      errors: ['not_found'],
      handler: ({ principal, params }) => booking.itinerary(principal, params.eventId),
    }),
    defineRoute({
      method: 'post',
      path: '/slots/:slotId/block',
      operationId: 'setSlotBlocked',
      summary: 'Admins block a free slot (or unblock it); every screen sees it at once.',
      tags: ['admin'],
      access: 'admin',
      idempotent: true,
      params: z.object({ slotId: z.uuid() }),
      body: SlotBlockRequest,
      response: SlotView,
      errors: ['slot_taken', 'not_found', 'window_closed'],
      handler: ({ principal, params, body, idempotencyKey }) =>
        booking.setBlocked(principal, params.slotId, body.blocked, { key: idempotencyKey }),
    }),
  ];
}
