import { z } from 'zod';
import { BookingNote, SetBookingNoteRequest, TeacherSchedule } from '../../../../protocol/admin.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { BookingNotesService } from './booking-notes.service.ts';
import { TeacherScheduleService } from './teacher-schedule.service.ts';

const BookingParams = z.object({ bookingId: z.uuid() });

/** A teacher's own evening and their private notes on it. Families are refused at the edge. */
export function teacherRoutes(deps: { db: Db }): RouteDef<any, any>[] {
  const schedules = new TeacherScheduleService(deps);
  const notes = new BookingNotesService(deps);
  const tags = ['teacher'] as const;
  return [
    defineRoute({
      method: 'get',
      path: '/teacher/events/:eventId/schedule',
      operationId: 'getMySchedule',
      summary: 'The signed-in teacher’s slots in time order, with family, child and private note.',
      tags,
      access: 'staff',
      params: z.object({ eventId: z.uuid() }),
      response: TeacherSchedule,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await schedules.mine(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/bookings/:bookingId/note',
      operationId: 'getBookingNote',
      summary: 'The teacher’s private note on an appointment (its teacher and admins only).',
      tags,
      access: 'staff',
      params: BookingParams,
      response: BookingNote,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await notes.get(principal, params.bookingId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/bookings/:bookingId/note',
      operationId: 'setBookingNote',
      summary: 'Write (or clear, with an empty body) the private note on an appointment.',
      tags,
      access: 'staff',
      idempotent: true,
      params: BookingParams,
      body: SetBookingNoteRequest,
      response: BookingNote,
      errors: ['not_found'],
      handler: ({ principal, params, body, idempotencyKey }) =>
        notes.set(principal, params.bookingId, body.body, { key: idempotencyKey }),
    }),
  ];
}
