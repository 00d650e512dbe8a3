import { SchoolSettings, UpdateSchoolSettingsRequest } from '../../../../protocol/school-settings.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { SchoolSettingsService } from './school-settings.service.ts';

export function schoolSettingsRoutes(settings: SchoolSettingsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/school/settings',
      operationId: 'getSchoolSettings',
      summary:
        "The school's retention period (days after which personal data is purged) and the contact address the privacy page shows.",
      tags: ['admin'],
      access: 'admin',
      response: SchoolSettings,
      errors: ['not_found'],
      handler: async ({ principal }) => ({ ok: true, data: await settings.get(principal) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/admin/school/settings',
      operationId: 'updateSchoolSettings',
      summary:
        'Changes the retention period (30 to 3650 days; the next sweep purges by it) and/or the contact address for data matters (an empty one clears it).',
      tags: ['admin'],
      access: 'admin',
      body: UpdateSchoolSettingsRequest,
      response: SchoolSettings,
      errors: ['invalid_input', 'not_found'],
      handler: async ({ principal, body, record }) => {
        // The period decides what the sweep removes: the record keeps it before and after.
        record.before = await settings.get(principal);
        const data = await settings.update(principal, body);
        record.after = data;
        return { ok: true, data };
      },
    }),
  ];
}
