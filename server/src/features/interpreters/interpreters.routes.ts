import { z } from 'zod';
import {
  CreateInterpreterRequest,
  DeletedInterpreter,
  FamilyInterpreterView,
  InterpreterList,
  InterpreterLoad,
  InterpreterSchedule,
  InterpreterView,
  InterpreterWindows,
  SetFamilyInterpreterRequest,
  SetInterpreterWindowsRequest,
  UpdateInterpreterRequest,
} from '../../../../protocol/interpreters.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { InterpretersService } from './interpreters.service.ts';

const tags = ['interpreters'] as const;
const interpreterParams = z.object({ interpreterId: z.uuid() });
const eventInterpreterParams = z.object({ eventId: z.uuid(), interpreterId: z.uuid() });

/** The admin API of interpreters (docs/admin-api.md, "Interpreters"); every change is in the audit log. */
export function interpretersRoutes(interpreters: InterpretersService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/interpreters',
      operationId: 'listInterpreters',
      summary: 'The school’s interpreters and the languages (BCP-47 codes) each speaks.',
      tags,
      access: 'admin',
      response: InterpreterList,
      handler: async ({ principal }) => ({ ok: true, data: await interpreters.list(principal) }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/interpreters',
      operationId: 'createInterpreter',
      summary:
        'Add an interpreter: name, languages (any BCP-47 codes) and an optional e-mail for their schedule.',
      tags,
      access: 'admin',
      body: CreateInterpreterRequest,
      response: InterpreterView,
      errors: ['invalid_input'],
      handler: async ({ principal, body }) => ({
        ok: true,
        data: await interpreters.create(principal, body),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/admin/interpreters/:interpreterId',
      operationId: 'updateInterpreter',
      summary: 'Change an interpreter’s name, languages or e-mail; meetings already reserved stay theirs.',
      tags,
      access: 'admin',
      params: interpreterParams,
      body: UpdateInterpreterRequest,
      response: InterpreterView,
      errors: ['not_found', 'invalid_input'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await interpreters.update(principal, params.interpreterId, body),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/interpreters/:interpreterId',
      operationId: 'deleteInterpreter',
      summary: 'Remove an interpreter who holds no held or booked meeting (those are listed otherwise).',
      tags,
      access: 'admin',
      params: interpreterParams,
      response: DeletedInterpreter,
      errors: ['not_found', 'bookings_in_the_way'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await interpreters.remove(principal, params.interpreterId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/interpreters/:interpreterId/windows',
      operationId: 'getInterpreterWindows',
      summary: 'When an interpreter sits at an event (school-local and as instants).',
      tags,
      access: 'admin',
      params: eventInterpreterParams,
      response: InterpreterWindows,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await interpreters.windows(principal, params.eventId, params.interpreterId),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/events/:eventId/interpreters/:interpreterId/windows',
      operationId: 'setInterpreterWindows',
      summary:
        'Replace when an interpreter sits at an event (school-local times; touching windows merge). Refused while a held or booked meeting would fall outside.',
      tags,
      access: 'admin',
      params: eventInterpreterParams,
      body: SetInterpreterWindowsRequest,
      response: InterpreterWindows,
      errors: ['not_found', 'invalid_input', 'window_closed', 'bookings_in_the_way'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await interpreters.setWindows(principal, params.eventId, params.interpreterId, body.windows),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/families/:familyId/interpreter',
      operationId: 'setFamilyInterpreter',
      summary:
        'The language (BCP-47 code) a family needs an interpreter for: from its next hold, move or confirmation, the booking door reserves one.',
      tags,
      access: 'admin',
      params: z.object({ familyId: z.uuid() }),
      body: SetFamilyInterpreterRequest,
      response: FamilyInterpreterView,
      errors: ['not_found', 'invalid_input'],
      handler: async ({ principal, params, body }) => ({
        ok: true,
        data: await interpreters.setFamilyLanguage(principal, params.familyId, body.language),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/families/:familyId/interpreter',
      operationId: 'clearFamilyInterpreter',
      summary:
        'The family no longer needs an interpreter (also how staff book it without one); meetings already booked keep theirs.',
      tags,
      access: 'admin',
      params: z.object({ familyId: z.uuid() }),
      response: FamilyInterpreterView,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await interpreters.setFamilyLanguage(principal, params.familyId, null),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/interpreters/load',
      operationId: 'getInterpreterLoad',
      summary:
        'Per interpreter at an event: windows, booked and free minutes, meetings; and how many families need each language.',
      tags,
      access: 'admin',
      params: z.object({ eventId: z.uuid() }),
      response: InterpreterLoad,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await interpreters.load(principal, params.eventId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/events/:eventId/interpreters/:interpreterId/schedule',
      operationId: 'getInterpreterSchedule',
      summary: 'An interpreter’s meetings at an event: time, room, teacher, family, child and language.',
      tags,
      access: 'admin',
      params: eventInterpreterParams,
      response: InterpreterSchedule,
      errors: ['not_found'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await interpreters.schedule(principal, params.eventId, params.interpreterId),
      }),
    }),
  ];
}
