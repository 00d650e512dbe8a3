import { z } from 'zod';
import { type AnyRoute, defineRoute, type FileAnswer } from '../../http/route.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { familyCalendar } from './family-calendar.ts';

export interface CalendarRouteDeps {
  db: Db;
  /** The From address of the mails (MAIL_FROM): the files' ORGANIZER. */
  organizerEmail: string;
}

/**
 * The family's calendar download. The browser used to write its own .ics, which
 * differed from the mails' (no SEQUENCE, no VTIMEZONE), so a calendar app could take
 * one for an older copy of the other; now both come from the server's one writer.
 */
export function calendarRoutes(deps: CalendarRouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/events/:eventId/calendar.ics',
      operationId: 'downloadMyCalendar',
      summary:
        "The family's confirmed appointments at the event as an iCalendar file: the same entries (UID, SEQUENCE) as the files in its mails.",
      tags: ['booking'],
      access: 'family',
      params: z.object({ eventId: z.uuid() }),
      response: z.string(),
      produces: 'text/calendar',
      errors: ['not_found'],
      handler: async ({ principal, params }) => {
        if (principal.kind !== 'family') throw new DomainError('forbidden');
        const body = await familyCalendar(
          deps.db,
          principal.familyId,
          params.eventId,
          deps.organizerEmail,
          new Date(),
        );
        if (body === null) throw new DomainError('not_found');
        const file: FileAnswer = { filename: 'appointments.ics', body };
        return { ok: true, data: file };
      },
    }),
  ];
}
