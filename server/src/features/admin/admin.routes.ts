import { z } from 'zod';
import {
  AddSlotRequest,
  CreateEventRequest,
  EventAvailabilityView,
  EventConsole,
  FamilySearchQuery,
  FamilySearchResult,
  LengthenSlotRequest,
  MoveBookingRequest,
  RemoveSlotResponse,
  SetAvailabilityRequest,
  SetAvailabilityResponse,
  SetSittingsRequest,
  StaffList,
  TeacherSchedule,
  UnbookedReport,
  UpdateEventRequest,
} from '../../../../protocol/admin.ts';
import { BookingList, BookingView, EventView, SlotView } from '../../../../protocol/schemas.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import type { BookingService } from '../booking/booking.service.ts';
import type { EventsService } from '../events/events.service.ts';
import type { LiveWriteDeps } from '../live/live-write.ts';
import type { Publisher } from '../live/publisher.ts';
import { TeacherScheduleService } from '../teacher/teacher-schedule.service.ts';
import { ConsoleService, type SocketCensus } from './console.service.ts';
import type { CsvFile } from './csv-format.ts';
import { EventAdminService } from './event-admin.service.ts';
import { FamilySearchService } from './family-search.service.ts';
import { ReportsService } from './reports.service.ts';
import { SlotAdminService } from './slot-admin.service.ts';

export interface AdminRoutesDeps {
  db: Db;
  io: SocketCensus;
  publisher: Publisher;
  events: EventsService;
  booking: BookingService;
  logError?: LiveWriteDeps['logError'];
}

const EventParams = z.object({ eventId: z.uuid() });
const SlotParams = z.object({ slotId: z.uuid() });
const EventTeacherParams = z.object({ eventId: z.uuid(), teacherId: z.uuid() });
const ok = <T>(data: T) => ({ ok: true as const, data });
const csvErrors: ['not_found'] = ['not_found'];

/** The admin console's API: set an evening up, steer it live, report on it. */
export function adminRoutes(deps: AdminRoutesDeps): AnyRoute[] {
  const live = { db: deps.db, publisher: deps.publisher, logError: deps.logError };
  const eventAdmin = new EventAdminService({ ...live, events: deps.events });
  const slotAdmin = new SlotAdminService(live);
  const consoleService = new ConsoleService({ db: deps.db, io: deps.io });
  const reports = new ReportsService({ db: deps.db });
  const familySearch = new FamilySearchService({ db: deps.db });
  const schedules = new TeacherScheduleService({ db: deps.db });
  const tags = ['admin'] as const;
  // The report downloads differ only in name, wording and what they compute.
  const csvReport = (
    file: string,
    operationId: string,
    summary: string,
    make: (p: Principal, eventId: string) => Promise<CsvFile>,
  ) =>
    defineRoute({
      method: 'get',
      path: `/admin/events/:eventId/reports/${file}`,
      operationId,
      summary,
      tags,
      access: 'admin',
      params: EventParams,
      produces: 'text/csv',
      response: z.string(),
      errors: csvErrors,
      handler: async ({ principal, params }) => ok(await make(principal, params.eventId)),
    });

  return [
    defineRoute({
      method: 'get',
      path: '/admin/staff',
      operationId: 'listStaff',
      summary: "The school's staff (teachers and admins).",
      tags,
      access: 'admin',
      response: StaffList,
      handler: async ({ principal }) => ok({ staff: await eventAdmin.listStaff(principal) }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/events',
      operationId: 'createEvent',
      summary: 'Create a parents’ evening with its booking window and rules.',
      tags,
      access: 'admin',
      idempotent: true,
      body: CreateEventRequest,
      response: EventView,
      handler: ({ principal, body, idempotencyKey }) =>
        eventAdmin.createEvent(principal, body, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'patch',
      path: '/admin/events/:eventId',
      operationId: 'updateEvent',
      summary: 'Change an event’s name, booking window or rules (only the fields sent).',
      tags,
      access: 'admin',
      idempotent: true,
      params: EventParams,
      body: UpdateEventRequest,
      response: EventView,
      errors: ['not_found', 'gap', 'window_closed'],
      handler: async ({ principal, params, body, idempotencyKey, record }) => {
        // The record of transactions keeps the settings before and after.
        record.before = await deps.events.get(principal, params.eventId);
        const answer = await eventAdmin.updateEvent(principal, params.eventId, body, { key: idempotencyKey });
        if (answer.ok) record.after = answer.data;
        return answer;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/admin/events/:eventId/sittings',
      operationId: 'setEventSittings',
      recorded: 'audit',
      summary:
        'Replace an event’s sittings (school-local date, hours, label) and re-cut every teacher’s slots inside them; refused under held or booked appointments.',
      tags,
      access: 'admin',
      idempotent: true,
      params: EventParams,
      body: SetSittingsRequest,
      response: EventView,
      errors: ['not_found', 'window_closed', 'clash', 'bookings_in_the_way', 'interpreter_unavailable'],
      handler: async ({ principal, params, body, idempotencyKey, record }) => {
        record.before = (await deps.events.get(principal, params.eventId)).sittings;
        const answer = await eventAdmin.setSittings(principal, params.eventId, body, { key: idempotencyKey });
        if (answer.ok) record.after = answer.data.sittings;
        return answer;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/availability',
      operationId: 'getEventAvailability',
      summary: 'Teachers’ windows and breaks for the event, in the school’s local date and time.',
      tags,
      access: 'admin',
      params: EventParams,
      response: EventAvailabilityView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ok(await eventAdmin.availability(principal, params.eventId)),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/events/:eventId/teachers/:teacherId/availability',
      operationId: 'setTeacherAvailability',
      summary:
        'Replace a teacher’s windows and breaks (school-local times) and regenerate their slots; booked slots are kept.',
      tags,
      access: 'admin',
      idempotent: true,
      params: EventTeacherParams,
      body: SetAvailabilityRequest,
      response: SetAvailabilityResponse,
      errors: ['not_found', 'window_closed'],
      handler: async ({ principal, params, body, idempotencyKey, record }) => {
        const windowsOf = async () =>
          (await eventAdmin.availability(principal, params.eventId)).teachers.find(
            (t) => t.teacherId === params.teacherId,
          );
        record.before = await windowsOf();
        const answer = await eventAdmin.setAvailability(principal, params.eventId, params.teacherId, body, {
          key: idempotencyKey,
        });
        if (answer.ok) record.after = await windowsOf();
        return answer;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/events/:eventId/slots',
      operationId: 'addSlot',
      recorded: 'booking_log',
      summary: 'Add one slot for a teacher at a school-local time; every screen sees it at once.',
      tags,
      access: 'admin',
      idempotent: true,
      params: EventParams,
      body: AddSlotRequest,
      response: SlotView,
      errors: ['not_found', 'clash', 'window_closed'],
      handler: ({ principal, params, body, idempotencyKey }) =>
        slotAdmin.addSlot(principal, params.eventId, body, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/slots/:slotId/lengthen',
      operationId: 'lengthenSlot',
      summary:
        'Add minutes to a slot’s end, unless that runs into the teacher’s next slot or breaks the booked family’s plans.',
      tags,
      access: 'admin',
      idempotent: true,
      params: SlotParams,
      body: LengthenSlotRequest,
      response: SlotView,
      errors: ['not_found', 'clash', 'gap', 'interpreter_unavailable', 'window_closed'],
      handler: ({ principal, params, body, idempotencyKey }) =>
        slotAdmin.lengthenSlot(principal, params.slotId, body, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/slots/:slotId',
      operationId: 'removeSlot',
      recorded: 'booking_log',
      summary: 'Remove a free slot (one with past bookings on record is blocked instead).',
      tags,
      access: 'admin',
      idempotent: true,
      params: SlotParams,
      response: RemoveSlotResponse,
      errors: ['not_found', 'slot_taken', 'window_closed'],
      handler: ({ principal, params, idempotencyKey }) =>
        slotAdmin.removeSlot(principal, params.slotId, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/bookings/:bookingId/move',
      operationId: 'moveBooking',
      recorded: 'booking_log',
      summary: 'Move a confirmed booking to another free slot of the event; the family is told.',
      tags,
      access: 'admin',
      idempotent: true,
      params: z.object({ bookingId: z.uuid() }),
      body: MoveBookingRequest,
      response: BookingView,
      errors: ['not_found', 'slot_taken', 'clash', 'gap', 'interpreter_unavailable', 'window_closed'],
      handler: ({ principal, params, body, idempotencyKey }) =>
        slotAdmin.moveBooking(principal, params.bookingId, body.slotId, { key: idempotencyKey }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/console',
      operationId: 'getEventConsole',
      summary: 'Counts of booked, held, free and blocked slots, and how many screens are connected.',
      tags,
      access: 'admin',
      params: EventParams,
      response: EventConsole,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ok(await consoleService.console(principal, params.eventId)),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/reports/unbooked',
      operationId: 'getUnbookedReport',
      summary: 'Children whose families have not booked, per teacher and per year group.',
      tags,
      access: 'admin',
      params: EventParams,
      response: UnbookedReport,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ok(await reports.unbooked(principal, params.eventId)),
    }),
    csvReport(
      'unbooked-by-teacher.csv',
      'exportUnbookedByTeacherCsv',
      'CSV: children not booked with each teacher, with their families.',
      (p, eventId) => reports.unbookedByTeacherCsv(p, eventId),
    ),
    csvReport(
      'unbooked-by-year.csv',
      'exportUnbookedByYearCsv',
      'CSV: children with no appointment at all, by year group, with their families.',
      (p, eventId) => reports.unbookedByYearCsv(p, eventId),
    ),
    csvReport(
      'bookings.csv',
      'exportBookingsCsv',
      'CSV: every confirmed appointment, in the school’s time zone.',
      (p, eventId) => reports.bookingsCsv(p, eventId),
    ),
    defineRoute({
      method: 'get',
      path: '/admin/families',
      operationId: 'searchFamilies',
      summary: 'Find families by surname prefix (`?q=`), to book on a parent’s behalf.',
      tags,
      access: 'admin',
      query: FamilySearchQuery,
      response: FamilySearchResult,
      handler: async ({ principal, req }) => {
        const parsed = FamilySearchQuery.safeParse(req.query);
        if (!parsed.success)
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'q', message: 'Give a surname to search for.' }],
          });
        return ok(await familySearch.search(principal, parsed.data.q));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/families/:familyId/bookings',
      operationId: 'listFamilyBookings',
      summary: 'A family’s itinerary for the event (to book, cancel or move for them).',
      tags,
      access: 'admin',
      params: z.object({ eventId: z.uuid(), familyId: z.uuid() }),
      response: BookingList,
      errors: ['not_found'],
      handler: async ({ principal, params }) => {
        const { rows } = await deps.db.query('SELECT 1 FROM families WHERE id = $1 AND school_id = $2', [
          params.familyId,
          principal.schoolId,
        ]);
        if (rows.length === 0) throw new DomainError('not_found', 'No such family.');
        return deps.booking.itinerary(principal, params.eventId, params.familyId);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/teachers/:teacherId/schedule',
      operationId: 'getTeacherScheduleAsAdmin',
      summary: 'One teacher’s evening, with appointments and notes.',
      tags,
      access: 'admin',
      params: EventTeacherParams,
      response: TeacherSchedule,
      errors: ['not_found'],
      handler: async ({ principal, params }) =>
        ok(await schedules.ofTeacher(principal, params.eventId, params.teacherId)),
    }),
  ];
}
