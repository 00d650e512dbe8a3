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
      this.notice = p.message;
      this.announcer.alert(p.message);
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
    const teacher = mine[0]?.teacherName ?? 'A teacher';
    if (p.minutes === 0) {
      if (mine.length > 0) {
        this.notice = `${teacher} is back on time.`;
        this.announcer.say(this.notice);
      }
      return;
    }
    const first = p.meetings[0];
    this.notice = first
      ? `${teacher} is running ${p.minutes} minutes late: your ${formatTime(first.startsAt, this.event.timeZone)} is now expected at ${formatTime(first.expectedAt, this.event.timeZone)}.`
      : `${teacher} is running ${p.minutes} minutes late.`;
    this.announcer.alert(this.notice);
  }

  dispose(): void {
    for (const off of this.offs) off();
  }
}
