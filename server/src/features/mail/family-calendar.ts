import { translatorForLanguage } from '../../i18n/family-translator.ts';
import type { Db } from '../../infra/db.ts';
import { appointmentsCalendar } from './calendar.ts';
import { loadConfirmedItinerary, loadFamilyContext } from './mail-data.ts';

/**
 * The family's confirmed appointments at an event as the .ics it downloads: written
 * by the same writer, from the same rows, as the calendar files in its mails, so the
 * download and a mail about the same state carry the same UIDs and SEQUENCEs, and the
 * same words: the family's language. Null when the event is not one of the family's school.
 */
export async function familyCalendar(
  db: Db,
  familyId: string,
  eventId: string,
  organizerEmail: string,
  now: Date,
): Promise<string | null> {
  const ctx = await loadFamilyContext(db, familyId, eventId);
  if (!ctx) return null;
  const appointments = await loadConfirmedItinerary(db, familyId, eventId);
  return appointmentsCalendar({
    schoolName: ctx.schoolName,
    eventName: ctx.eventName,
    timeZone: ctx.timeZone,
    organizerEmail,
    appointments,
    method: 'PUBLISH',
    stamp: now,
    translator: await translatorForLanguage(db, ctx.schoolId, ctx.language),
  });
}
