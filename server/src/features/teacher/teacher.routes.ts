import { z } from 'zod';
import {
  BookingNote,
  MyAvailabilityView,
  SetAvailabilityRequest,
  SetAvailabilityResponse,
  SetBookingNoteRequest,
  TeacherSchedule,
} from '../../../../protocol/admin.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { EventAdminService } from '../admin/event-admin.service.ts';
import type { LiveWriteDeps } from '../admin/live-write.ts';
import type { EventsService } from '../events/events.service.ts';
import type { Publisher } from '../live/publisher.ts';
import { BookingNotesService } from './booking-notes.service.ts';
import { TeacherAvailabilityService } from './teacher-availability.service.ts';
import { TeacherScheduleService } from './teacher-schedule.service.ts';

const BookingParams = z.object({ bookingId: z.uuid() });

export interface TeacherRoutesDeps {
  db: Db;
  publisher: Publisher;
  events: EventsService;
  logError?: LiveWriteDeps['logError'];
}

/** A teacher's own evening and their private notes on it. Families are refused at the edge. */
export function teacherRoutes(deps: TeacherRoutesDeps): RouteDef<any, any>[] {
  const schedules = new TeacherScheduleService(deps);
  const notes = new BookingNotesService(deps);
  const eventAdmin = new EventAdminService(deps);
  const availability = new TeacherAvailabilityService({ db: deps.db, eventAdmin });
  const tags = ['teacher'] as const;
  const EventParams = z.object({ eventId: z.uuid() });
  return [
    defineRoute({
      method: 'get',
      path: '/teacher/events/:eventId/availability',
      operationId: 'getMyAvailability',
      summary:
        'The signed-in teacher’s windows, breaks and room, with the limits the admin set: the event’s hours and the deadline.',
      tags,
      access: 'staff',
      params: EventParams,
      response: MyAvailabilityView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await availability.mine(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/teacher/events/:eventId/availability',
      operationId: 'setMyAvailability',
      summary:
        'The signed-in teacher replaces their own windows and breaks (school-local times) inside the event’s hours, before the admin’s deadline; slots are regenerated as for an admin, and a change that would take away booked appointments is refused, listing them.',
      tags,
      access: 'staff',
      idempotent: true,
      params: EventParams,
      body: SetAvailabilityRequest,
      response: SetAvailabilityResponse,
      errors: ['not_found', 'window_closed', 'availability_locked', 'bookings_in_the_way'],
      handler: async ({ principal, params, body, idempotencyKey, record }) => {
        record.before = (await availability.mine(principal, params.eventId)).availability;
        const answer = await availability.set(principal, params.eventId, body, { key: idempotencyKey });
        if (answer.ok) record.after = answer.data.availability;
        return answer;
      },
    }),
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
