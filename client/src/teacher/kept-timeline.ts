import type { EventView, SlotView } from '../../../protocol/schemas.ts';
import type { MeetingInterpreter } from './meeting-interpreters.svelte.ts';

/**
 * A teacher's timeline kept for the tab (sessionStorage, dies with it), so a page
 * reloaded while the service is away still shows the evening: the event,
 * the teacher's own slots and when they were last heard. Nothing of other teachers.
 */
export interface KeptTimeline {
  event: EventView;
  slots: SlotView[];
  /** When the slots were last heard from the server (ISO). */
  asOf: string;
  /** Booking id → who interprets it (those that have one); absent in a timeline kept before. */
  interpreters?: Record<string, MeetingInterpreter>;
}

const keyOf = (staffId: string) => `confer.timeline.${staffId}`;

export function keepTimeline(storage: Storage, staffId: string, kept: KeptTimeline): void {
  try {
    storage.setItem(keyOf(staffId), JSON.stringify(kept));
  } catch {
    // A full or disabled storage only loses the offline copy.
  }
}

export function keptTimeline(storage: Storage, staffId: string): KeptTimeline | null {
  try {
    const raw = storage.getItem(keyOf(staffId));
    const v = raw ? (JSON.parse(raw) as Partial<KeptTimeline>) : null;
    return v &&
      typeof v.event?.id === 'string' &&
      typeof v.event.timeZone === 'string' &&
      Array.isArray(v.slots) &&
      typeof v.asOf === 'string'
      ? {
          ...(v as KeptTimeline),
          interpreters:
            v.interpreters && typeof v.interpreters === 'object' && !Array.isArray(v.interpreters)
              ? v.interpreters
              : {},
        }
      : null;
  } catch {
    return null;
  }
}
