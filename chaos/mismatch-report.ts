import type pg from 'pg';
import type { ScreenMismatch } from './checks.ts';
import type { Screen } from './screens.ts';

/**
 * Explains each slot a screen got wrong, so a non-zero `screen≠db` can be traced to
 * its cause without rerunning: what the database says and when each of the slot's
 * changes was committed, every state the screen was offered (snapshot or fact, with
 * versions), and when the screen reconnected, was told to resync or took a snapshot.
 * Times are ms relative to the end of the fault.
 */
export async function mismatchReport(
  db: pg.Pool,
  mismatches: ScreenMismatch[],
  screens: Screen[],
  faultEndedAt: number,
): Promise<string> {
  if (mismatches.length === 0) return '';
  const rel = (t: number) => `${t - faultEndedAt >= 0 ? '+' : ''}${t - faultEndedAt}`;
  const slotIds = [...new Set(mismatches.map((m) => m.slotId))];
  const { rows: log } = await db.query<{ slot_id: string; version: string; action: string; at: Date }>(
    `SELECT slot_id, version, action, at FROM booking_log WHERE slot_id = ANY($1::uuid[]) ORDER BY version`,
    [slotIds],
  );
  const { rows: outbox } = await db
    .query<{ n: number }>('SELECT count(*)::int AS n FROM outbox')
    .catch(() => ({ rows: [{ n: -1 }] }));
  const lines = [`screen≠db: ${mismatches.length} (outbox rows left: ${outbox[0]!.n})`];
  screens.forEach((s, i) => {
    const t = s.trace();
    lines.push(
      `  screen ${i}: connects ${t.connects.map(rel).join(' ')}; resyncs ${t.resyncs.map(rel).join(' ') || 'none'}; snapshots ${t.snapshots.map(rel).join(' ')}; refused joins ${t.refusedJoins.map((j) => `${j.code} @${rel(j.at)}`).join(' ') || 'none'}`,
    );
  });
  for (const m of mismatches) {
    const changes = log
      .filter((l) => l.slot_id === m.slotId)
      .map((l) => `v${l.version} ${l.action} @${rel(l.at.getTime())}`)
      .join(', ');
    const seen = (screens[m.screen]!.trace().seen.get(m.slotId) ?? [])
      .map((e) => `v${e.version} ${e.state} (${e.via} @${rel(e.at)})`)
      .join(', ');
    lines.push(
      `  screen ${m.screen} slot ${m.slotId.slice(0, 8)}: db ${m.db.state} v${m.db.version}, screen ${m.screenHas ? `${m.screenHas.state} v${m.screenHas.version}` : 'nothing'}`,
      `    log: ${changes}`,
      `    screen saw: ${seen}`,
    );
  }
  return lines.join('\n');
}
