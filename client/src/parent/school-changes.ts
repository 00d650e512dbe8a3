import type { BookingView } from '../../../protocol/schemas.ts';
import { m } from '../lib/i18n/messages.svelte.ts';
import { formatTime } from '../lib/school-time.ts';

/**
 * What the school did to the family's confirmed appointments between two reads of the
 * itinerary, in words. A school move keeps the booking and changes its slot; a cancel
 * ends it. `ownChanges` are bookings the family itself just changed: those are not news.
 */
export function schoolChanges(
  before: readonly BookingView[],
  after: readonly BookingView[],
  timeZone: string,
  ownChanges: ReadonlySet<string> = new Set(),
): string[] {
  const now = new Map(after.map((b) => [b.id, b]));
  const beforeIds = new Set(before.map((b) => b.id));
  const news: string[] = [];
  for (const was of before) {
    if (was.status !== 'confirmed' || ownChanges.has(was.id)) continue;
    let is = now.get(was.id);
    if (is?.status !== 'confirmed') {
      // A move that ended one booking and made another for the same meeting reads as a move.
      is = after.find(
        (b) =>
          b.status === 'confirmed' &&
          !beforeIds.has(b.id) &&
          b.teacherId === was.teacherId &&
          b.studentId === was.studentId,
      );
    }
    const who = { teacher: was.teacherName, child: firstName(was.studentName) };
    const wasAt = formatTime(was.startsAt, timeZone);
    if (!is) {
      // Missing from the list altogether (e.g. the slot was removed) is a cancel to the family.
      news.push(m.school_cancelled({ ...who, time: wasAt }));
    } else if (is.startsAt !== was.startsAt || is.teacherId !== was.teacherId) {
      const time = formatTime(is.startsAt, timeZone);
      news.push(
        is.teacherId === was.teacherId
          ? m.school_moved({ ...who, time, was: wasAt })
          : m.school_moved_teacher({ ...who, time, was: wasAt, new_teacher: is.teacherName }),
      );
    }
  }
  return news;
}

const firstName = (full: string) => full.split(' ')[0] ?? full;
