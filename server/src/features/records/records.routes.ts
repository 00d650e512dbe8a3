import { z } from 'zod';
import { BookingLogView, EraseFamilyResponse, FamilyExport } from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import { schedulesPage } from '../../pages/schedules-page.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { FamilyErasure } from './family-erasure.ts';
import type { RecordsService } from './records.service.ts';

const EventParams = z.object({ eventId: z.uuid() });
const EventTeacherParams = z.object({ eventId: z.uuid(), teacherId: z.uuid() });
const FamilyParams = z.object({ familyId: z.uuid() });

export function recordsRoutes(records: RecordsService, erasure: FamilyErasure): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/log',
      operationId: 'getBookingLog',
      summary: 'Every booking transaction of the event (who, what, when), archived events included.',
      tags: ['records'],
      access: 'admin',
      params: EventParams,
      response: BookingLogView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await records.log(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/log.csv',
      operationId: 'exportBookingLogCsv',
      summary: "The event's booking log as CSV (times in the school's zone).",
      tags: ['records'],
      access: 'admin',
      params: EventParams,
      response: z.string(),
      produces: 'text/csv',
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await records.logCsv(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/schedules.csv',
      operationId: 'exportSchedulesCsv',
      summary: "Every teacher's schedule for the event, slot by slot, as CSV.",
      tags: ['records'],
      access: 'admin',
      params: EventParams,
      response: z.string(),
      produces: 'text/csv',
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await records.scheduleCsv(principal, params.eventId, null),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/schedules.html',
      operationId: 'printSchedules',
      summary: "Every teacher's schedule as a print-ready page, one teacher per page.",
      tags: ['records'],
      access: 'admin',
      params: EventParams,
      response: z.string(),
      produces: 'text/html',
      errors: ['not_found'],
      handler: async ({ principal, params }) => {
        const { event, rows } = await records.schedule(principal, params.eventId, null);
        return { ok: true, data: { filename: 'schedules.html', body: schedulesPage(event, rows) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/teachers/:teacherId/schedule.csv',
      operationId: 'exportTeacherScheduleCsv',
      summary: "One teacher's schedule as CSV.",
      tags: ['records'],
      access: 'admin',
      params: EventTeacherParams,
      response: z.string(),
      produces: 'text/csv',
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await records.scheduleCsv(principal, params.eventId, params.teacherId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/teacher/events/:eventId/schedule.csv',
      operationId: 'exportMyScheduleCsv',
      summary: "The signed-in teacher's own schedule as CSV.",
      tags: ['records'],
      access: 'staff',
      params: EventParams,
      response: z.string(),
      produces: 'text/csv',
      errors: ['not_found', 'forbidden'],
      handler: async ({ principal, params }) => {
        if (principal.kind !== 'staff' || !principal.isTeacher) throw new DomainError('forbidden');
        return { ok: true, data: await records.scheduleCsv(principal, params.eventId, principal.staffId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/families/:familyId/export',
      operationId: 'exportFamilyData',
      summary: 'Everything held about one family (data subject access request), as JSON.',
      tags: ['records'],
      access: 'admin',
      params: FamilyParams,
      response: FamilyExport,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await records.exportFamily(principal, params.familyId),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/families/:familyId/erase',
      operationId: 'eraseFamily',
      summary:
        'Erases a family: live bookings cancelled, personal fields replaced, sign-in ended; booking rows kept as anonymous counts.',
      tags: ['records'],
      access: 'admin',
      params: FamilyParams,
      response: EraseFamilyResponse,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await erasure.erase(principal, params.familyId),
      }),
    }),
  ];
}
