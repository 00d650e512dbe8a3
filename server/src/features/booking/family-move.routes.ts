import { z } from 'zod';
import { MoveBookingRequest } from '../../../../protocol/admin.ts';
import { BookingView } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { FamilyMoveService } from './family-move.ts';

export function familyMoveRoutes(moves: FamilyMoveService): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/bookings/:bookingId/move',
      operationId: 'moveOwnBooking',
      recorded: 'booking_log',
      summary:
        'A family moves its confirmed appointment to another free time with the same teacher, in one step: the old time stays theirs unless the new one is.',
      tags: ['booking'],
      access: 'family',
      idempotent: true,
      params: z.object({ bookingId: z.uuid() }),
      body: MoveBookingRequest,
      response: BookingView,
      errors: [
        'not_found',
        'invalid_input',
        'slot_taken',
        'clash',
        'gap',
        'cap_reached',
        'interpreter_unavailable',
        'not_your_teacher',
        'window_closed',
        'fair_start_pending',
        'unavailable',
      ],
      handler: ({ principal, params, body, idempotencyKey }) =>
        moves.move(principal, params.bookingId, body.slotId, { key: idempotencyKey }),
    }),
  ];
}
