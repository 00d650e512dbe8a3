import type { BookingView, EventView, SlotView } from '../../../protocol/schemas.ts';
import { type Unavailability, unavailabilityFor } from '../lib/family-rules.ts';
import { m } from '../lib/i18n/messages.svelte.ts';

export type ParentCellKind =
  | 'none'
  | 'free'
  | 'holding'
  | 'my-hold'
  | 'mine'
  | 'sibling'
  | 'held'
  | 'taken'
  | 'blocked'
  | 'unavailable';

export interface ParentCellState {
  kind: ParentCellKind;
  /** Short text shown in the cell: colour is never the only signal. */
  short: string;
  /**
   * What a screen reader says for the cell, given "18:05 with Mr Smith": it starts with the
   * words shown (WCAG 2.5.3, label in name), so a voice-control user can say what they see.
   */
  label(slot: string): string;
  actionable: boolean;
  /**
   * Why a free time cannot be taken: one of the family's rules, no interpreter free then
   * (a family that needs one), or booking not open yet.
   */
  reason?: Unavailability | 'no_interpreter' | 'not_open';
  /** A free time at which an interpreter for the family's language is free (it needs one). */
  interpreter?: true;
}

export interface ParentCellInput {
  slot: SlotView | undefined;
  studentId: string;
  familyBookings: BookingView[];
  mine: BookingView | undefined;
  pendingFor: string | undefined;
  event: Pick<EventView, 'gapMinutes' | 'maxPerStudent'>;
  now: number;
  nameOf(studentId: string): string;
  bookingOpen: boolean;
  /**
   * For a family that needs an interpreter: whether one is free at this slot's time
   * (the snapshot's `interpreter.freeSlotIds`); undefined for a family that needs none.
   */
  interpreterFree?: boolean;
}

const UNAVAILABLE_LABEL: Record<Unavailability, (i: { slot: string }) => string> = {
  clash: (i) => m.cell_label_clash(i),
  gap: (i) => m.cell_label_gap(i),
  cap: (i) => m.cell_label_cap(i),
  has_teacher: (i) => m.cell_label_has_teacher(i),
};

/** What one cell of a parent's grid shows, from the slot, the family's bookings and the clock. */
export function parentCellState(i: ParentCellInput): ParentCellState {
  const { slot } = i;
  if (!slot)
    return { kind: 'none', short: '—', label: (s) => m.cell_label_none({ slot: s }), actionable: false };
  if (i.mine) {
    const forThis = i.mine.studentId === i.studentId;
    if (!forThis) {
      const name = i.nameOf(i.mine.studentId);
      const first = name.split(' ')[0] ?? name;
      return {
        kind: 'sibling',
        short: first,
        label: (s) => m.cell_label_sibling({ first_name: first, slot: s, name }),
        actionable: false,
      };
    }
    return i.mine.status === 'confirmed'
      ? {
          kind: 'mine',
          short: m.cell_mine(),
          label: (s) => m.cell_label_mine({ slot: s }),
          actionable: false,
        }
      : {
          kind: 'my-hold',
          short: m.cell_my_hold(),
          label: (s) => m.cell_label_my_hold({ slot: s }),
          actionable: false,
        };
  }
  if (i.pendingFor)
    return {
      kind: 'holding',
      short: m.cell_holding(),
      label: (s) => m.cell_label_holding({ slot: s }),
      actionable: false,
    };
  // A hold past its time is free again even before the server's release reaches us.
  const lapsed = slot.state === 'held' && slot.heldUntil !== null && Date.parse(slot.heldUntil) <= i.now;
  if (slot.state === 'booked')
    return {
      kind: 'taken',
      short: m.cell_taken(),
      label: (s) => m.cell_label_taken({ slot: s }),
      actionable: false,
    };
  if (slot.state === 'held' && !lapsed)
    return {
      kind: 'held',
      short: m.cell_held(),
      label: (s) => m.cell_label_held({ slot: s }),
      actionable: false,
    };
  if (slot.state === 'blocked')
    return {
      kind: 'blocked',
      short: m.cell_blocked(),
      label: (s) => m.cell_label_blocked({ slot: s }),
      actionable: false,
    };
  const why = unavailabilityFor(slot, i.studentId, i.familyBookings, i.event);
  if (why)
    return {
      kind: 'unavailable',
      short: why === 'clash' || why === 'gap' ? '✕' : '–',
      label: (s) => UNAVAILABLE_LABEL[why]({ slot: s }),
      actionable: false,
      reason: why,
    };
  if (i.interpreterFree === false)
    return {
      kind: 'unavailable',
      short: '⊘',
      label: (s) => m.cell_label_no_interpreter({ slot: s }),
      actionable: false,
      reason: 'no_interpreter',
    };
  const interpreter = i.interpreterFree ? ({ interpreter: true } as const) : {};
  if (!i.bookingOpen)
    return {
      kind: 'unavailable',
      short: m.cell_free(),
      label: (s) =>
        i.interpreterFree
          ? m.cell_label_not_open_interpreter({ slot: s })
          : m.cell_label_not_open({ slot: s }),
      actionable: false,
      reason: 'not_open',
      ...interpreter,
    };
  return {
    kind: 'free',
    short: m.cell_free(),
    label: (s) =>
      i.interpreterFree ? m.cell_label_free_interpreter({ slot: s }) : m.cell_label_free({ slot: s }),
    actionable: true,
    ...interpreter,
  };
}
