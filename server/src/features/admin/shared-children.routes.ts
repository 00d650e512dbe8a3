import { z } from 'zod';
import {
  FamilyStudentLink,
  LinkFamilyStudentRequest,
  SharedChildModeRequest,
  SharedChildModeView,
} from '../../../../protocol/admin.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { SharedChildrenService } from './shared-children.service.ts';

export function sharedChildrenRoutes(shared: SharedChildrenService): AnyRoute[] {
  return [
    defineRoute({
      method: 'put',
      path: '/admin/events/:eventId/shared-child-mode',
      operationId: 'setSharedChildMode',
      summary:
        "How a child of separated parents is booked: 'joint' (one appointment, both families see and may change it) or 'separate' (each family books its own). Only before any booking.",
      tags: ['admin'],
      access: 'admin',
      params: z.object({ eventId: z.uuid() }),
      body: SharedChildModeRequest,
      response: SharedChildModeView,
      errors: ['not_found', 'invalid_input', 'window_closed'],
      handler: ({ principal, params, body }) => shared.setMode(principal, params.eventId, body.mode),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/families/:familyId/students',
      operationId: 'linkFamilyStudent',
      summary: 'Link a child to a (second) family, e.g. separated parents; idempotent.',
      tags: ['admin'],
      access: 'admin',
      params: z.object({ familyId: z.uuid() }),
      body: LinkFamilyStudentRequest,
      response: FamilyStudentLink,
      errors: ['not_found', 'invalid_input'],
      handler: ({ principal, params, body }) => shared.linkFamily(principal, params.familyId, body.studentId),
    }),
  ];
}
