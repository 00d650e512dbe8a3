import type { TeacherAppointment, TeacherSchedule } from '../../../protocol/admin.ts';
import type { Ack } from '../../../protocol/errors.ts';
import type { SlotView } from '../../../protocol/schemas.ts';
import { SettledRead } from '../lib/settled-read.ts';

export type MeetingInterpreter = NonNullable<TeacherAppointment['interpreter']>;

/** Where and when a meeting was when the schedule was read: its interpreter holds for that time. */
const placeOf = (slotId: string, startsAt: string, endsAt: string) => `${slotId}|${startsAt}|${endsAt}`;

/**
 * Who interprets each of one teacher's meetings. Snapshots and slot facts carry the
 * family and the child of a booked slot but not its interpreter, so the teacher's
 * schedule (`GET …/schedule`, one query on the server) is read when the screen opens,
 * after every snapshot, and again, debounced, after a fact brings a meeting it has not
 * read at that slot and time: a new booking, or one moved or resized (the reservation
 * follows the booking's time and may pass to another interpreter). A confirmation of a
 * hold keeps its interpreter and asks nothing.
 */
export class MeetingInterpreters {
  /** Booking id → its interpreter, or null when it has none (as of the last read). */
  byBooking = $state.raw<ReadonlyMap<string, MeetingInterpreter | null>>(new Map());
  /** Booking id → where it was when read. */
  private places = new Map<string, string>();
  /** An answer arriving after a newer one was asked for is dropped. */
  private readonly reads: SettledRead<TeacherSchedule>;

  constructor(
    /** Reads the teacher's schedule (the caller names its path, so client-calls can check it). */
    readSchedule: () => Promise<Ack<TeacherSchedule>>,
    debounceMs = 1000,
    /** Kept from before (a reload while the service is away), shown until the first read. */
    kept: Readonly<Record<string, MeetingInterpreter>> = {},
  ) {
    this.byBooking = new Map(Object.entries(kept));
    // A failed read keeps what we had (the service away): the next snapshot asks again.
    this.reads = new SettledRead(readSchedule, (schedule) => this.show(schedule), debounceMs);
  }

  /** The meeting's interpreter; null when it has none or none is known yet. */
  of(bookingId: string): MeetingInterpreter | null {
    return this.byBooking.get(bookingId) ?? null;
  }

  /** The known interpreters, for keeping with the tab's timeline. */
  kept(): Record<string, MeetingInterpreter> {
    const out: Record<string, MeetingInterpreter> = {};
    for (const [id, i] of this.byBooking) if (i) out[id] = i;
    return out;
  }

  /** A slot of this teacher changed: read again soon if it holds a meeting not read there and then. */
  slotChanged(slot: SlotView): void {
    const o = slot.occupant;
    if (!o || this.places.get(o.bookingId) === placeOf(slot.id, slot.startsAt, slot.endsAt)) return;
    this.refreshSoon();
  }

  refreshSoon(): void {
    this.reads.soon();
  }

  refresh(): Promise<void> {
    return this.reads.now();
  }

  private show(schedule: TeacherSchedule): void {
    const byBooking = new Map<string, MeetingInterpreter | null>();
    const places = new Map<string, string>();
    for (const e of schedule.entries) {
      if (!e.appointment) continue;
      byBooking.set(e.appointment.bookingId, e.appointment.interpreter);
      places.set(e.appointment.bookingId, placeOf(e.slotId, e.startsAt, e.endsAt));
    }
    this.byBooking = byBooking;
    this.places = places;
  }

  dispose(): void {
    this.reads.dispose();
  }
}
