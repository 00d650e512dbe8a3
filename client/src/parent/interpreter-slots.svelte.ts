import type { SnapshotInterpreter } from '../../../protocol/schemas.ts';
import type { ApiClient } from '../lib/api.ts';
import { SettledRead } from '../lib/settled-read.ts';

export interface InterpreterFree {
  /** The language the family needs an interpreter for (a BCP-47 code). */
  language: string;
  /** The event's slots at whose time one is free. */
  free: ReadonlySet<string>;
}

/**
 * Where an interpreter is free for a family that needs one. The availability snapshot
 * says so as of when it was read, and slot facts do not carry it, while any family's
 * booking may take the last interpreter at a time: so after facts the screen asks
 * again (`GET /events/:id/interpreter`, one query on the server), debounced, and only
 * while the family needs one. A hold is the authority either way (`interpreter_unavailable`).
 */
export class InterpreterSlots {
  /** null: the family needs no interpreter. */
  state = $state.raw<InterpreterFree | null>(null);
  /**
   * The language the family needs an interpreter for, as the event last answered (null:
   * none); undefined until its first answer, while the screen shows what /me said.
   */
  language = $state.raw<string | null | undefined>(undefined);
  /** Answers arriving after a newer one (a snapshot, a change of need) are dropped. */
  private readonly reads: SettledRead<{ eventId: string; interpreter: SnapshotInterpreter | null }>;

  constructor(api: Pick<ApiClient, 'get'>, eventId: string, debounceMs = 1500) {
    this.reads = new SettledRead(
      () => api.get(`/events/${eventId}/interpreter`),
      // A failed read keeps what we had: the hold still asks the database.
      (answer) => this.show(answer.interpreter),
      debounceMs,
    );
  }

  fromSnapshot(snapshot: SnapshotInterpreter | null): void {
    this.reads.supersede();
    this.show(snapshot);
  }

  private show(i: SnapshotInterpreter | null): void {
    this.state = i ? { language: i.language, free: new Set(i.freeSlotIds) } : null;
    this.language = i?.language ?? null;
  }

  /**
   * The family saved a new need: shown at once (an answer asked before it is dropped), then
   * where an interpreter is free for it is asked; needing none there is nothing to ask.
   */
  needChanged(language: string | null): void {
    if (language === null) {
      this.fromSnapshot(null);
      return;
    }
    this.reads.supersede();
    this.language = language;
    void this.refresh();
  }

  /** Whether a free slot can be held for the family: undefined when it needs no interpreter. */
  freeAt(slotId: string): boolean | undefined {
    return this.state ? this.state.free.has(slotId) : undefined;
  }

  /** After a slot fact: ask again once the burst has settled (nothing to ask for a family needing none). */
  refreshSoon(): void {
    if (this.state) this.reads.soon();
  }

  refresh(): Promise<void> {
    return this.reads.now();
  }

  dispose(): void {
    this.reads.dispose();
  }
}
