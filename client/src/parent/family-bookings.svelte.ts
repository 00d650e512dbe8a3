import { SvelteMap } from 'svelte/reactivity';
import type { BookingList, BookingView, EventView, SlotView } from '../../../protocol/schemas.ts';
import type { Announcer } from '../lib/announcer.svelte.ts';
import type { ApiClient } from '../lib/api.ts';
import { bookingErrorText } from '../lib/error-text.ts';
import { intlLocale, m } from '../lib/i18n/messages.svelte.ts';
import { formatTime } from '../lib/school-time.ts';
import { schoolChanges } from './school-changes.ts';

export type SlotLabel = (slot: Pick<SlotView, 'teacherId' | 'startsAt'>) => string;

/**
 * The family's side of the evening: its holds and bookings (the itinerary), the
 * holds it is placing right now (optimistic), and the commands that change them.
 * The server's answer is the truth: an optimistic hold that is refused is rolled
 * back and the family is told why, in words.
 */
export class FamilyBookings {
  bookings = $state<BookingView[]>([]);
  /** Slots being held right now, before the server has answered: slotId → studentId. */
  readonly pending = new SvelteMap<string, string>();
  /** Hold ids being extended, confirmed or released: buttons show progress. */
  busy = $state(false);
  message = $state<{ kind: 'error' | 'ok'; text: string } | null>(null);
  /** The hold that ran out last, while the family may still want it back ("hold again"). */
  lapsed = $state.raw<BookingView | null>(null);

  readonly live = $derived(this.bookings.filter((b) => b.status === 'held' || b.status === 'confirmed'));
  readonly holds = $derived(this.live.filter((b) => b.status === 'held'));
  readonly confirmed = $derived(this.live.filter((b) => b.status === 'confirmed'));
  readonly bySlot = $derived(new Map(this.live.map((b) => [b.slotId, b])));
  /**
   * When the bookings above were last received from the server (ISO), shown as "as
   * of" while the service cannot be reached (degraded mode).
   */
  asOf = $state<string | null>(null);
  /** The last read of the bookings was answered `unavailable` (or not at all): the list may be old. */
  unreachable = $state(false);
  private refreshSeq = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelayMs = FIRST_RETRY_MS;
  /** Bookings this page changed itself, recently: their changes are not the school's news. */
  private readonly ownChanges = new Map<string, number>();

  constructor(
    private readonly api: ApiClient,
    private readonly event: EventView,
    private readonly announcer: Announcer,
    private readonly label: SlotLabel,
    /** The live state of a slot, to say whether a lapsed hold's time is still free. */
    private readonly slotOf: (slotId: string) => SlotView | undefined = () => undefined,
    /**
     * Where the last list the server sent is kept for the tab (sessionStorage), under
     * the family's id, so another family signing in on the same tab never sees it.
     */
    private readonly keep: { storage: Storage; familyId: string } | null = null,
  ) {
    // A reload while the service is down still shows the appointments the tab last had.
    const kept = this.readKept();
    if (kept) {
      this.bookings = kept.bookings;
      this.asOf = kept.asOf;
    }
  }

  async refresh(): Promise<void> {
    const seq = ++this.refreshSeq;
    const res = await this.api.get<BookingList>(`/events/${this.event.id}/bookings/mine`);
    // A slower, older answer must not overwrite a newer one.
    if (seq !== this.refreshSeq) return;
    if (!res.ok) {
      // Keep what we have and say it may be old; read again by ourselves, because the
      // live layer's resync may never come (its socket can stay up while the database is down).
      if (res.error.code === 'unavailable') {
        this.unreachable = true;
        this.scheduleRetry();
      }
      return;
    }
    this.unreachable = false;
    this.retryDelayMs = FIRST_RETRY_MS;
    const before = this.bookings;
    this.bookings = res.data.bookings;
    this.remember();
    const recent = Date.now() - 15_000;
    for (const [id, at] of this.ownChanges) if (at < recent) this.ownChanges.delete(id);
    const news = schoolChanges(before, this.bookings, this.event.timeZone, new Set(this.ownChanges.keys()));
    if (news.length > 0) {
      const text = news.join(' ');
      this.message = { kind: 'ok', text };
      this.announcer.say(text);
    }
  }

  async hold(slot: SlotView, studentId: string, studentName: string): Promise<boolean> {
    if (this.pending.has(slot.id) || this.bySlot.has(slot.id)) return false;
    const what = this.label(slot);
    this.pending.set(slot.id, studentId);
    this.message = null;
    if (this.lapsed?.slotId === slot.id) this.lapsed = null;
    const res = await this.api.write<BookingView>('POST', '/holds', { slotId: slot.id, studentId });
    this.pending.delete(slot.id);
    if (!res.ok) {
      const text = bookingErrorText(res.error, what);
      this.message = { kind: 'error', text };
      this.announcer.alert(text);
      if (res.error.code !== 'slot_taken') void this.refresh();
      return false;
    }
    this.upsert(res.data);
    this.announcer.say(m.hold_held({ slot: what, child: studentName }));
    return true;
  }

  async release(hold: BookingView): Promise<void> {
    const res = await this.api.write<BookingView>('DELETE', `/holds/${hold.id}`);
    if (res.ok) {
      this.upsert(res.data);
      this.announcer.say(m.hold_let_go({ slot: this.label(hold) }));
    } else {
      void this.refresh();
    }
  }

  /** More time on a hold (WCAG 2.2.1, timing adjustable): the server restarts its clock. */
  async extend(hold: BookingView): Promise<boolean> {
    this.busy = true;
    try {
      const res = await this.api.write<BookingView>('POST', `/holds/${hold.id}/extend`);
      if (!res.ok) {
        // The one cap an extension meets is on extensions themselves, not the child's appointments.
        const text =
          res.error.code === 'cap_reached'
            ? m.error_hold_extend_limit()
            : bookingErrorText(res.error, this.label(hold));
        this.message = { kind: 'error', text };
        this.announcer.alert(text);
        void this.refresh();
        return false;
      }
      this.upsert(res.data);
      this.announcer.say(m.hold_extended({ slot: this.label(hold) }));
      return true;
    } finally {
      this.busy = false;
    }
  }

  async confirmAll(): Promise<boolean> {
    const holdIds = this.holds.map((h) => h.id);
    if (holdIds.length === 0) return false;
    this.busy = true;
    this.message = null;
    try {
      const res = await this.api.write<BookingList>('POST', '/holds/confirm', {
        eventId: this.event.id,
        holdIds,
      });
      if (!res.ok) {
        const text = bookingErrorText(res.error, m.hold_one_of_yours());
        this.message = { kind: 'error', text };
        this.announcer.alert(text);
        void this.refresh();
        return false;
      }
      for (const b of res.data.bookings) this.upsert(b);
      this.lapsed = null;
      const text = m.hold_confirmed({ count: res.data.bookings.length });
      this.message = { kind: 'ok', text };
      this.announcer.say(text);
      return true;
    } finally {
      this.busy = false;
    }
  }

  async cancel(booking: BookingView): Promise<boolean> {
    this.busy = true;
    this.noteOwnChange(booking.id);
    try {
      const res = await this.api.write<BookingView>('POST', `/bookings/${booking.id}/cancel`);
      if (!res.ok) {
        const text =
          res.error.code === 'window_closed'
            ? m.error_cancel_too_late()
            : bookingErrorText(res.error, this.label(booking));
        this.message = { kind: 'error', text };
        this.announcer.alert(text);
        return false;
      }
      this.upsert(res.data);
      const text = m.hold_cancelled({ slot: this.label(booking) });
      this.message = { kind: 'ok', text };
      this.announcer.say(text);
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** A change the family makes itself (e.g. a move elsewhere on the page): not school news. */
  noteOwnChange(bookingId: string): void {
    this.ownChanges.set(bookingId, Date.now());
  }

  /**
   * Forget holds whose time ran out, without waiting for the server to say so, and say
   * which, and whether the time can still be had: a lapsed hold is free to anyone now.
   */
  dropLapsed(now: number): void {
    if (this.holds.some((h) => h.expiresAt && Date.parse(h.expiresAt) <= now)) {
      const lapsed = this.holds.filter((h) => h.expiresAt && Date.parse(h.expiresAt) <= now);
      const ids = new Set(lapsed.map((h) => h.id));
      this.bookings = this.bookings.map((b) => (ids.has(b.id) ? { ...b, status: 'expired' } : b));
      const text =
        lapsed.length === 1
          ? this.lapsedText(lapsed[0]!, now)
          : m.hold_lapsed_many({
              count: lapsed.length,
              times: new Intl.ListFormat(intlLocale(), { type: 'unit', style: 'short' }).format(
                lapsed.map((h) => formatTime(h.startsAt, this.event.timeZone)),
              ),
            });
      this.lapsed = lapsed.length === 1 ? lapsed[0]! : null;
      // Polite: the page did nothing wrong, and an interruption would cut off what is being read.
      this.announcer.say(text);
      // One lapse is shown with its "Hold again" button (ParentView); several, as a message.
      this.message = lapsed.length === 1 ? null : { kind: 'error', text };
    }
  }

  /** Whether a lapsed hold's slot is still free at `now` (ours lapsed counts as free). */
  stillFree(hold: BookingView, now: number): boolean {
    const slot = this.slotOf(hold.slotId);
    if (!slot) return false;
    if (slot.state === 'free') return true;
    return slot.state === 'held' && slot.heldUntil !== null && Date.parse(slot.heldUntil) <= now;
  }

  lapsedText(hold: BookingView, now: number): string {
    const slot = this.label(hold);
    return this.stillFree(hold, now) ? m.hold_lapsed_free({ slot }) : m.hold_lapsed_taken({ slot });
  }

  /** Stops the read-again timer (the page is going away). */
  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private upsert(b: BookingView): void {
    const i = this.bookings.findIndex((x) => x.id === b.id);
    if (i === -1) this.bookings = [...this.bookings, b];
    else this.bookings = this.bookings.map((x) => (x.id === b.id ? b : x));
    this.remember();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    // Jittered so that a hall full of phones does not come back in the same second.
    const wait = this.retryDelayMs * (0.75 + Math.random() * 0.5);
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, LAST_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.refresh();
    }, wait);
  }

  private get keptKey(): string {
    return `confer.bookings.${this.keep?.familyId}.${this.event.id}`;
  }

  /** Only what the server sent (upserts are its answers too), with when it came. */
  private remember(): void {
    this.asOf = new Date().toISOString();
    try {
      this.keep?.storage.setItem(this.keptKey, JSON.stringify({ bookings: this.bookings, asOf: this.asOf }));
      // The evening too: a reload while the service is away has nothing else to show them in.
      this.keep?.storage.setItem(keptEventKey(this.keep.familyId), JSON.stringify(this.event));
    } catch {
      // A full or disabled storage only loses the offline copy.
    }
  }

  private readKept(): { bookings: BookingView[]; asOf: string } | null {
    try {
      const raw = this.keep?.storage.getItem(this.keptKey);
      if (!raw) return null;
      const v = JSON.parse(raw) as { bookings?: unknown; asOf?: unknown };
      return Array.isArray(v.bookings) && typeof v.asOf === 'string'
        ? { bookings: v.bookings as BookingView[], asOf: v.asOf }
        : null;
    } catch {
      return null;
    }
  }
}

function keptEventKey(familyId: string): string {
  return `confer.event.${familyId}`;
}

/**
 * The evening whose bookings this tab last kept for the family, for a page loaded
 * while the service is away (the list of events cannot be read then).
 */
export function keptEvent(storage: Storage, familyId: string): EventView | null {
  try {
    const raw = storage.getItem(keptEventKey(familyId));
    const v = raw ? (JSON.parse(raw) as EventView) : null;
    return v && typeof v.id === 'string' && typeof v.timeZone === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Reading the bookings again after `unavailable`: 5 s, doubling to 30 s. */
const FIRST_RETRY_MS = 5_000;
const LAST_RETRY_MS = 30_000;
