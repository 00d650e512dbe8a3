import { DateTime } from 'luxon';
import { englishLanguageName } from '../../../protocol/interpreter-language-name.ts';
import type { ScheduleRow } from '../features/records/records.service.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

/** Teachers' schedules for printing: one teacher per page, times in the school's zone. */
export function schedulesPage(event: { name: string; timeZone: string }, rows: ScheduleRow[]): string {
  const byTeacher = new Map<string, ScheduleRow[]>();
  for (const r of rows) byTeacher.set(r.teacherId, [...(byTeacher.get(r.teacherId) ?? []), r]);
  const fmt = (d: Date, f: string) => DateTime.fromJSDate(d, { zone: event.timeZone }).toFormat(f);
  // The teacher is told who will be in the room besides the family.
  const interpreter = (i: ScheduleRow['interpreter']) =>
    i ? `${escapeHtml(i.name)} (${escapeHtml(englishLanguageName(i.language))})` : '';
  const pages = [...byTeacher.values()].map((slots) => {
    const body = slots
      .map(
        (s) =>
          `<tr><td>${fmt(s.startsAt, 'ccc d LLL')}</td><td>${fmt(s.startsAt, 'HH:mm')}–${fmt(s.endsAt, 'HH:mm')}</td><td>${escapeHtml(s.room)}</td><td>${s.state}</td><td>${escapeHtml(s.student)}</td><td>${escapeHtml(s.yearGroup)} ${escapeHtml(s.className)}</td><td>${escapeHtml(s.family)}</td><td>${interpreter(s.interpreter)}</td></tr>`,
      )
      .join('\n');
    return `<section class="page"><h1>${escapeHtml(slots[0]!.teacher)}</h1><p>${escapeHtml(event.name)}</p>
<table><tr><th>Day</th><th>Time</th><th>Room</th><th>State</th><th>Student</th><th>Year / class</th><th>Family</th><th>Interpreter</th></tr>
${body}</table></section>`;
  });
  return htmlDocument(`Schedules – ${event.name}`, pages.join('\n') || '<p>No slots.</p>');
}
