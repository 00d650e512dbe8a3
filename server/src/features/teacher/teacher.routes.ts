import { z } from 'zod';
import {
  BookingNote,
  MyAvailabilityView,
  SetAvailabilityRequest,
  SetAvailabilityResponse,
  SetBookingNoteRequest,
  TeacherSchedule,
} from '../../../../protocol/admin.ts';
import {
  NotBookedView,
  SendInvitationsRequest,
  SendInvitationsResponse,
} from '../../../../protocol/invitations.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { EventAdminService } from '../admin/event-admin.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { LiveWriteDeps } from '../live/live-write.ts';
import type { Publisher } from '../live/publisher.ts';
import { BookingNotesService } from './booking-notes.service.ts';
import { InvitationsService } from './invitations.service.ts';
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
export function teacherRoutes(deps: TeacherRoutesDeps): AnyRoute[] {
  const schedules = new TeacherScheduleService(deps);
  const notes = new BookingNotesService(deps);
  const eventAdmin = new EventAdminService(deps);
  const availability = new TeacherAvailabilityService({ db: deps.db, eventAdmin });
  const invitations = new InvitationsService(deps);
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
      path: '/teacher/events/:eventId/not-booked',
      operationId: 'getMyNotBooked',
      summary:
        'The families of the signed-in teacher’s classes with a child not yet booked with them, each with whether an invitation to book can go now (and if not, why: opted out, no e-mail address, invited in the last 24 hours).',
      tags,
      access: 'staff',
      params: EventParams,
      response: NotBookedView,
      errors: ['not_found', 'forbidden'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await invitations.notBooked(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/teacher/events/:eventId/invitations',
      operationId: 'sendBookingInvitations',
      summary:
        'The signed-in teacher sends the chosen families of their classes who have not booked them a polite invitation to book (by e-mail, through the outbox). Families already booked, not in the teacher’s classes, opted out, without an address or invited about this event in the last 24 hours are skipped and listed; more than the teacher’s hourly allowance is refused (429 with Retry-After).',
      tags,
      access: 'staff',
      idempotent: true,
      params: EventParams,
      body: SendInvitationsRequest,
      response: SendInvitationsResponse,
      errors: ['not_found', 'forbidden', 'window_closed', 'rate_limited'],
      recorded: 'audit',
      handler: async ({ principal, params, body, idempotencyKey, record }) => {
        const answer = await invitations.send(principal, params.eventId, body.familyIds, {
          key: idempotencyKey,
        });
        if (answer.ok) record.after = { invited: answer.data.invited, skipped: answer.data.skipped };
        return answer;
      },
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
