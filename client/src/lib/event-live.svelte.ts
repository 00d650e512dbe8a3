import { SvelteMap } from 'svelte/reactivity';
import type { Ack } from '../../../protocol/errors.ts';
import type { EventPaused, PauseState } from '../../../protocol/pause.ts';
import type {
  AvailabilitySnapshot,
  SlotView,
  SnapshotInterpreter,
  TeacherView,
} from '../../../protocol/schemas.ts';
import type { SlotFact } from '../../../protocol/socket-events.ts';
import type { LiveConnection } from './live-connection.svelte.ts';
import { SlotSync } from './slot-sync.ts';

export interface GridLayout {
  teachers: TeacherView[];
  /** Distinct slot start instants (ISO), ascending: the grid's columns. */
  times: string[];
  /** `${teacherId}|${startsAt}` → slot id. */
  cellIndex: Map<string, string>;
}

export const cellKey = (teacherId: string, startsAt: string) => `${teacherId}|${startsAt}`;

/**
 * The live availability of one event: a snapshot on join (and again after every
 * reconnect), then facts applied one slot at a time. Each slot is
 * its own reactive entry, so a fact re-renders one cell, not the grid.
 */
export class EventLive {
  readonly slots = new SvelteMap<string, SlotView>();
  layout = $state.raw<GridLayout>({ teachers: [], times: [], cellIndex: new Map() });
  /** False until the first snapshot has arrived. */
  ready = $state(false);
  error = $state<string | null>(null);
  /** Bumped on every snapshot: screens refetch what facts do not carry (itineraries). */
  resyncs = $state(0);
  /** Booking is paused: from the snapshot, then from `event:paused`. */
  paused = $state.raw<PauseState | null>(null);
  /** A family that needs an interpreter: where one is free, as of the last snapshot (facts do not carry it). */
  interpreter = $state.raw<SnapshotInterpreter | null>(null);
  private readonly sync: SlotSync;
  private readonly offs: (() => void)[] = [];
  private joining = false;
  private rejoinTimer: ReturnType<typeof setTimeout> | null = null;
  private rejoinDelayMs = 0;

  constructor(
    private readonly connection: LiveConnection,
    readonly eventId: string,
    private readonly onSlot?: (slot: SlotView, fact: SlotFact | null) => void,
  ) {
    let currentFact: SlotFact | null = null;
    this.sync = new SlotSync((slot) => {
      const before = this.slots.get(slot.id);
      if (currentFact?.slot.id === slot.id && currentFact.reason === 'removed') {
        // The slot is gone; its version stays recorded so a late fact cannot bring it back.
        this.slots.delete(slot.id);
        if (before && this.ready) this.relayout();
      } else {
        this.slots.set(slot.id, slot);
        // A new slot, or one whose start moved, changes the grid's shape.
        if (
          (!before || before.startsAt !== slot.startsAt || before.teacherId !== slot.teacherId) &&
          this.ready
        )
          this.relayout();
      }
      this.onSlot?.(slot, currentFact);
    });
    const onFact = (fact: SlotFact) => {
      if (fact.eventId !== this.eventId) return;
      currentFact = fact;
      this.sync.receive(fact);
      currentFact = null;
    };
    const onFacts = (facts: SlotFact[]) => {
      for (const fact of facts) onFact(fact);
    };
    const socket = connection.socket;
    socket.on('slot:facts', onFacts);
    this.offs.push(() => socket.off('slot:facts', onFacts));
    this.offs.push(
      connection.onConnect(() => {
        // Facts sent while we were away are lost: (re)join, which answers a fresh snapshot.
        this.join();
      }),
    );
    const onPaused = (news: EventPaused) => {
      if (news.eventId === this.eventId) this.paused = news.paused;
    };
    socket.on('event:paused', onPaused);
    this.offs.push(() => socket.off('event:paused', onPaused));
    // The server lost Redis for a while: facts from other instances may be missing.
    const onResync = () => this.join();
    socket.on('event:resync', onResync);
    this.offs.push(() => socket.off('event:resync', onResync));
  }

  get version(): number {
    return this.sync.version;
  }

  /** Fetches a snapshot through `event:join` (which also (re)subscribes us to the event's facts). */
  join(): void {
    if (this.joining) return;
    this.joining = true;
    this.connection.socket
      .timeout(10_000)
      .emit('event:join', { eventId: this.eventId }, (err: Error | null, res: Ack<AvailabilitySnapshot>) => {
        this.joining = false;
        if (err) {
          if (this.connection.socket.connected) this.join();
          return;
        }
        if (!res.ok) {
          this.error = res.error.message;
          // A passing fault (the database away for a moment, the server busy): without
          // a snapshot the screen is stale and, not joined, hears no facts at all — so
          // ask again after the time the server named, growing to 30 s, never give up.
          if (res.error.code === 'unavailable' || res.error.code === 'rate_limited')
            this.rejoinLater(res.error.retryAfter);
          return;
        }
        this.error = null;
        this.rejoinDelayMs = 0;
        this.loadSnapshot(res.data);
      });
  }

  private rejoinLater(retryAfterSeconds: number | undefined): void {
    if (this.rejoinTimer) return;
    this.rejoinDelayMs = Math.min(30_000, Math.max((retryAfterSeconds ?? 1) * 1000, this.rejoinDelayMs * 2));
    // Jitter: every screen of the evening was refused at once and must not ask in step.
    const delay = this.rejoinDelayMs * (0.75 + Math.random() * 0.5);
    this.rejoinTimer = setTimeout(() => {
      this.rejoinTimer = null;
      if (this.connection.socket.connected) this.join();
    }, delay);
  }

  loadSnapshot(snapshot: AvailabilitySnapshot): void {
    const stale = new Set(this.slots.keys());
    for (const s of snapshot.slots) stale.delete(s.id);
    for (const id of stale) {
      this.slots.delete(id);
      this.sync.forget(id);
    }
    this.sync.loadSnapshot(snapshot);
    this.layout = buildLayout(snapshot.teachers, [...this.slots.values()]);
    this.paused = snapshot.paused ?? null;
    this.interpreter = snapshot.interpreter ?? null;
    this.ready = true;
    this.resyncs++;
  }

  private relayout(): void {
    const slots = [...this.slots.values()];
    const known = new Set(this.layout.teachers.map((t) => t.id));
    // A teacher new to the event needs a name and a row: the snapshot carries both.
    if (slots.some((s) => !known.has(s.teacherId))) this.join();
    this.layout = buildLayout(this.layout.teachers, slots);
  }

  dispose(): void {
    if (this.rejoinTimer) clearTimeout(this.rejoinTimer);
    for (const off of this.offs) off();
    if (this.connection.socket.connected)
      this.connection.socket.emit('event:leave', { eventId: this.eventId }, () => {});
  }
}

export function buildLayout(teachers: TeacherView[], slots: Iterable<SlotView>): GridLayout {
  const times = new Set<string>();
  const cellIndex = new Map<string, string>();
  for (const s of slots) {
    const startsAt = new Date(s.startsAt).toISOString();
    times.add(startsAt);
    cellIndex.set(cellKey(s.teacherId, startsAt), s.id);
  }
  return { teachers, times: [...times].sort(), cellIndex };
}
