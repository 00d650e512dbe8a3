import { SvelteMap } from 'svelte/reactivity';
import type { z } from 'zod';
import type {
  ExpectedTimes as ExpectedTimesView,
  TeacherAbsent,
  TeacherRunningLate,
} from '../../../../protocol/fairness.ts';
import type { BookingView, EventView } from '../../../../protocol/schemas.ts';
import type { Announcer } from '../../lib/announcer.svelte.ts';
import type { ApiClient } from '../../lib/api.ts';
import { m } from '../../lib/i18n/messages.svelte.ts';
import { formatTime } from '../../lib/school-time.ts';
import type { LiveSocket } from './live-socket.ts';

type ExpectedList = z.infer<typeof ExpectedTimesView>;

/**
 * On the night: when each of the family's meetings is now expected to start
 * (a teacher running late). Read once, then kept by `teacher:running-late`;
 * a delay of 0 (or one that cleared itself) removes the entries.
 */
export class ExpectedTimes {
  /** bookingId → expected start (ISO), only for meetings that moved. */
  readonly byBooking = new SvelteMap<string, string>();
  /** The latest news of the night for this family, shown on the page (and announced). */
  notice = $state<string | null>(null);
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly api: ApiClient,
    socket: LiveSocket,
    private readonly announcer: Announcer,
    private readonly event: EventView,
    private readonly bookings: () => BookingView[],
  ) {
    const onLate = (p: TeacherRunningLate) => this.receive(p);
    const onAbsent = (p: TeacherAbsent) => {
      if (p.eventId !== this.event.id) return;
      // Said here from the payload, not the server's English `message`: the family's language.
      this.notice = p.coverTeacherId ? m.fair_absent_cover() : m.fair_absent();
      this.announcer.alert(this.notice);
    };
    socket.on('teacher:running-late', onLate);
    socket.on('teacher:absent', onAbsent);
    this.offs.push(
      () => socket.off('teacher:running-late', onLate),
      () => socket.off('teacher:absent', onAbsent),
    );
  }

  async load(): Promise<void> {
    const res = await this.api.get<ExpectedList>(`/events/${this.event.id}/itinerary/expected`);
    if (!res.ok) return;
    this.byBooking.clear();
    for (const m of res.data.meetings)
      if (m.expectedAt !== m.startsAt) this.byBooking.set(m.bookingId, m.expectedAt);
  }

  receive(p: TeacherRunningLate): void {
    if (p.eventId !== this.event.id) return;
    const mine = this.bookings().filter((b) => b.teacherId === p.teacherId && b.status === 'confirmed');
    for (const b of mine) this.byBooking.delete(b.id);
    for (const m of p.meetings)
      if (p.minutes > 0 && m.expectedAt !== m.startsAt) this.byBooking.set(m.bookingId, m.expectedAt);
    const teacher = mine[0]?.teacherName;
    if (p.minutes === 0) {
      if (teacher) {
        this.notice = m.fair_back_on_time({ teacher });
        this.announcer.say(this.notice);
      }
      return;
    }
    const first = p.meetings[0];
    const count = p.minutes;
    if (first) {
      const times = {
        count,
        time: formatTime(first.startsAt, this.event.timeZone),
        expected: formatTime(first.expectedAt, this.event.timeZone),
      };
      this.notice = teacher
        ? m.fair_late_expected({ teacher, ...times })
        : m.fair_late_someone_expected(times);
    } else {
      this.notice = teacher ? m.fair_late({ teacher, count }) : m.fair_late_someone({ count });
    }
    this.announcer.alert(this.notice);
  }

  dispose(): void {
    for (const off of this.offs) off();
  }
}
