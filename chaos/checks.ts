import type pg from 'pg';
import type { HistoryEntry } from './history.ts';
import type { Screen } from './screens.ts';

/** The verdict on one scenario, read by SQL from the database after settling. */
export interface Verdict {
  /** Must be zero. */
  doubleBookings: number;
  familyOverlaps: number;
  ackLost: number;
  toldFailedHappened: number;
  screenMismatches: number;
  mailsOver2: number;
  mailsMissing: number;
  lapsedHeld: number;
  deadServers: number;
  /** Allowed, counted: the same Message-ID received twice (only where the outcome was unknown). */
  mailsTwice: number;
  writes: number;
  ok: number;
  ambiguous: number;
}

const ACTIVE = `(b.status = 'confirmed' OR (b.status = 'held' AND b.expires_at > now()))`;

async function count(db: pg.Pool, sql: string, params: unknown[]): Promise<number> {
  return (await db.query<{ n: number }>(sql, params)).rows[0]!.n;
}

/**
 * What each history entry promises about the database, checked row by row:
 * - an acknowledged write is there (a confirmed booking stays confirmed unless a
 *   cancel of it was acknowledged or left ambiguous; a release or cancel took effect);
 * - a write the client was told failed did not happen, unless another write of the
 *   same family on the same booking or slot left the client not knowing.
 */
async function checkHistory(db: pg.Pool, eventId: string, history: HistoryEntry[]) {
  const { rows } = await db.query<{
    id: string;
    status: string;
    family_id: string;
    slot_id: string;
    created_at: Date;
  }>('SELECT id, status, family_id, slot_id, created_at FROM bookings WHERE event_id = $1', [eventId]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const touched = (e: HistoryEntry, op: HistoryEntry['op']) =>
    history.some((h) => h.op === op && h.bookingId === e.bookingId && h.outcome !== 'refused');
  let ackLost = 0;
  let toldFailedHappened = 0;
  for (const e of history) {
    const row = e.bookingId ? byId.get(e.bookingId) : undefined;
    if (e.outcome === 'ok') {
      if (!row) ackLost++;
      else if (
        e.op === 'confirm' &&
        row.status !== 'confirmed' &&
        !(row.status === 'cancelled' && touched(e, 'cancel'))
      )
        ackLost++;
      else if (e.op === 'cancel' && row.status !== 'cancelled') ackLost++;
      else if (e.op === 'release' && row.status !== 'cancelled') ackLost++;
    } else if (e.outcome === 'refused') {
      if (e.op === 'hold') {
        // A booking of this family on this slot made while it was told no, and no
        // ambiguous hold of the same family and slot overlapping in time.
        const made = rows.some(
          (r) =>
            r.family_id === e.familyId &&
            r.slot_id === e.slotId &&
            r.created_at.getTime() >= e.startedAt - 50 &&
            r.created_at.getTime() <= e.endedAt + 50 &&
            !history.some((h) => h !== e && h.op === 'hold' && h.bookingId === r.id),
        );
        const ambiguousTwin = history.some(
          (h) =>
            h.op === 'hold' &&
            h.outcome === 'ambiguous' &&
            h.familyId === e.familyId &&
            h.slotId === e.slotId &&
            h.startedAt <= e.endedAt &&
            h.endedAt >= e.startedAt,
        );
        if (made && !ambiguousTwin) toldFailedHappened++;
      } else if (row) {
        const wanted = { confirm: 'confirmed', cancel: 'cancelled', release: 'cancelled' }[e.op];
        if (row.status === wanted && !touched(e, e.op)) toldFailedHappened++;
      }
    }
  }
  return { ackLost, toldFailedHappened };
}

/** One slot on which a screen disagrees with slot_rows after settling. */
export interface ScreenMismatch {
  screen: number;
  slotId: string;
  db: { state: string; version: number };
  screenHas: { state: string; version: number } | null;
}

/** Each screen's slots against slot_rows (a lapsed hold reads as free there). */
async function checkScreens(db: pg.Pool, eventId: string, screens: Screen[]): Promise<ScreenMismatch[]> {
  const { rows } = await db.query<{ id: string; state: string; version: string }>(
    `SELECT id, version, CASE WHEN status = 'confirmed' THEN 'booked' WHEN status = 'held' THEN 'held'
                     WHEN blocked THEN 'blocked' ELSE 'free' END AS state
       FROM slot_rows WHERE event_id = $1`,
    [eventId],
  );
  const mismatches: ScreenMismatch[] = [];
  screens.forEach((screen, i) => {
    const seen = screen.states();
    for (const r of rows) {
      const has = seen.get(r.id);
      if (has?.state !== r.state)
        mismatches.push({
          screen: i,
          slotId: r.id,
          db: { state: r.state, version: Number(r.version) },
          screenHas: has ?? null,
        });
    }
  });
  return mismatches;
}

export async function checkScenario(o: {
  db: pg.Pool;
  eventId: string;
  history: HistoryEntry[];
  screens: Screen[];
  /** Message-IDs received by the SMTP sink, with how often each came. */
  mails: Map<string, number>;
  /** Booking ids some received calendar file shows. */
  shownBookings: Set<string>;
  /** Families with an e-mail address (they get confirmations). */
  familiesWithEmail: Set<string>;
  deadServers: number;
  /** A hold still `held` this long after its expiry counts as never ended. */
  sweepGraceSeconds: number;
  /** Told which slots differ, so the run can explain them. */
  onScreenMismatches?(m: ScreenMismatch[]): void;
}): Promise<Verdict> {
  const { db, eventId } = o;
  const doubleBookings = await count(
    db,
    `SELECT count(*)::int AS n FROM (SELECT b.slot_id FROM bookings b WHERE b.event_id = $1 AND ${ACTIVE}
                                      GROUP BY b.slot_id HAVING count(*) > 1) d`,
    [eventId],
  );
  const familyOverlaps = await count(
    db,
    `SELECT count(*)::int AS n FROM bookings a JOIN bookings b
         ON b.id > a.id AND (b.family_id = a.family_id OR b.student_id = a.student_id)
      WHERE a.event_id = $1 AND b.event_id = $1
        AND (a.status = 'confirmed' OR (a.status = 'held' AND a.expires_at > now())) AND ${ACTIVE}
        AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`,
    [eventId],
  );
  const lapsedHeld = await count(
    db,
    `SELECT count(*)::int AS n FROM bookings
      WHERE event_id = $1 AND status = 'held' AND expires_at < now() - make_interval(secs => $2)`,
    [eventId, o.sweepGraceSeconds],
  );
  const { ackLost, toldFailedHappened } = await checkHistory(db, eventId, o.history);
  const mismatched = await checkScreens(db, eventId, o.screens);
  o.onScreenMismatches?.(mismatched);
  const screenMismatches = mismatched.length;
  const copies = [...o.mails.values()];
  // Every acknowledged confirmation of a family with an address owes it a mail: one
  // naming the booking in its Message-ID (mail-keys: one key per booking), or one whose
  // calendar file shows it (a mail composed at its turn showed it, and the mail asked
  // for it was then left out as repeating that state).
  const ids = [...o.mails.keys()].join('\n');
  const mailsMissing = o.history.filter(
    (h) =>
      h.op === 'confirm' &&
      h.outcome === 'ok' &&
      o.familiesWithEmail.has(h.familyId) &&
      !ids.includes(h.bookingId!) &&
      !o.shownBookings.has(h.bookingId!),
  ).length;
  return {
    doubleBookings,
    familyOverlaps,
    ackLost,
    toldFailedHappened,
    screenMismatches,
    mailsOver2: copies.filter((n) => n > 2).length,
    mailsMissing,
    lapsedHeld,
    deadServers: o.deadServers,
    mailsTwice: copies.filter((n) => n === 2).length,
    writes: o.history.length,
    ok: o.history.filter((h) => h.outcome === 'ok').length,
    ambiguous: o.history.filter((h) => h.outcome === 'ambiguous').length,
  };
}
