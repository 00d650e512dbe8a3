import { createHash, randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import type { z } from 'zod';
import type {
  DrawRecordView,
  FairnessSettingsRequest,
  FairStartRequest,
  FairStartStatusView,
} from '../../../../protocol/fairness.ts';
import { rooms } from '../../../../protocol/socket-events.ts';
import { type DbClient, inTransaction } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { type Change, type Fact, recordChanges } from '../booking/event-changes.ts';
import { refuseIfPaused } from '../pause/pause-state.ts';
import { recordChange } from '../records/audit-log.ts';
import { type FairnessContext, tell } from './fairness-context.ts';
import { type Allocation, type AllocationInput, allocate } from './round-robin.ts';
import { insertConfirmed } from './system-bookings.ts';

interface EventRow {
  id: string;
  school_id: string;
  time_zone: string;
  booking_mode: 'fcfs' | 'fair_start';
  booking_opens_at: Date;
  window_ends_at: Date;
  fair_allocated_at: Date | null;
  fair_window_seconds: number;
  queue_limit: number | null;
  offer_minutes: number;
  gap_minutes: number;
  max_per_student: number;
  archived: boolean;
  now: Date;
}

const EVENT_SELECT = `
  SELECT e.id, e.school_id, sc.time_zone, e.booking_mode, e.booking_opens_at,
         e.booking_opens_at + make_interval(secs => e.fair_window_seconds) AS window_ends_at,
         e.fair_allocated_at, e.fair_window_seconds, e.queue_limit, e.offer_minutes,
         e.gap_minutes, e.max_per_student, e.archived_at IS NOT NULL AS archived, now() AS now
    FROM events e JOIN schools sc ON sc.id = e.school_id
   WHERE e.id = $1`;

/** What the draw stores so that anyone can recompute it. */
interface StoredRecord {
  order: string[];
  steps: Allocation['steps'];
  inputs: Omit<AllocationInput, 'seed'>;
}

/**
 * Fair start: requests made in the first minutes after opening are collected,
 * then allocated by a recorded lottery (round-robin over the families' choices);
 * from then on the event is first come, first served.
 */
export class FairStartService {
  constructor(private readonly ctx: FairnessContext) {}

  private async event(q: Pick<DbClient, 'query'>, p: Principal | null, eventId: string, lock = false) {
    const { rows } = await q.query<EventRow>(`${EVENT_SELECT}${lock ? ' FOR UPDATE OF e' : ''}`, [eventId]);
    const e = rows[0];
    if (!e || (p && e.school_id !== p.schoolId))
      throw new DomainError('not_found', 'This event does not exist.');
    return e;
  }

  /** Admins choose how the event opens (and the queue and offer settings). */
  async configure(
    p: Principal,
    eventId: string,
    input: z.infer<typeof FairnessSettingsRequest>,
  ): Promise<FairStartStatusView> {
    const e = await inTransaction(this.ctx.db, async (client) => {
      const e = await this.event(client, p, eventId, true);
      if (e.archived) throw new DomainError('window_closed', 'This event is archived.');
      const changesMode = input.mode !== e.booking_mode || input.windowMinutes !== undefined;
      // Switching how an event opens after it has opened would change the rules
      // for families who already acted under them.
      if (changesMode && e.now >= e.booking_opens_at)
        throw new DomainError('window_closed', 'Booking has opened; the opening mode can no longer change.');
      await client.query(
        `UPDATE events SET booking_mode = $2,
                fair_window_seconds = coalesce($3, fair_window_seconds),
                queue_limit = CASE WHEN $4 THEN $5::int ELSE queue_limit END,
                offer_minutes = coalesce($6, offer_minutes)
          WHERE id = $1`,
        [
          eventId,
          input.mode,
          input.windowMinutes === undefined ? null : Math.max(1, Math.round(input.windowMinutes * 60)),
          input.queueLimit !== undefined,
          input.queueLimit ?? null,
          input.offerMinutes ?? null,
        ],
      );
      if (input.mode === 'fair_start') {
        // The seed is fixed now, before any request exists; only its digest is shown until the draw.
        const seed = randomBytes(32).toString('hex');
        await client.query(
          `INSERT INTO fair_start_draws (event_id, seed, seed_sha256) VALUES ($1, $2, $3)
           ON CONFLICT (event_id) DO NOTHING`,
          [eventId, seed, sha256(seed)],
        );
      }
      return this.event(client, p, eventId);
    });
    if (e.booking_mode === 'fair_start')
      await this.ctx.jobs.at({ kind: 'allocate', eventId }, e.window_ends_at);
    return this.status(p, eventId);
  }

  async status(p: Principal, eventId: string): Promise<FairStartStatusView> {
    const e = await this.event(this.ctx.db, p, eventId);
    const { rows: draws } = await this.ctx.db.query<{ seed: string; seed_sha256: string; drawn: boolean }>(
      'SELECT seed, seed_sha256, drawn_at IS NOT NULL AS drawn FROM fair_start_draws WHERE event_id = $1',
      [eventId],
    );
    const draw = draws[0];
    const requests =
      p.kind === 'family'
        ? (
            await this.ctx.db.query<{
              rank: number;
              student_id: string;
              staff_id: string;
              outcome: 'pending' | 'granted' | 'unavailable';
              booking_id: string | null;
            }>(
              `SELECT rank, student_id, staff_id, outcome, booking_id FROM fair_start_requests
                WHERE event_id = $1 AND family_id = $2 ORDER BY rank`,
              [eventId, p.familyId],
            )
          ).rows.map((r) => ({
            rank: r.rank,
            studentId: r.student_id,
            teacherId: r.staff_id,
            outcome: r.outcome,
            bookingId: r.booking_id,
          }))
        : [];
    return {
      eventId,
      mode: e.booking_mode,
      opensAt: e.booking_opens_at.toISOString(),
      windowEndsAt: e.window_ends_at.toISOString(),
      allocationLocalTime: DateTime.fromJSDate(e.window_ends_at).setZone(e.time_zone).toFormat('HH:mm'),
      allocatedAt: e.fair_allocated_at?.toISOString() ?? null,
      seedSha256: draw?.seed_sha256 ?? null,
      seed: draw?.drawn ? draw.seed : null,
      collecting: e.booking_mode === 'fair_start' && !e.fair_allocated_at,
      requests,
      queueLimit: e.queue_limit,
      offerMinutes: e.offer_minutes,
    };
  }

  /** A family sends (or replaces) its requests during the window. */
  async submit(
    p: Principal,
    eventId: string,
    input: z.infer<typeof FairStartRequest>,
  ): Promise<FairStartStatusView> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    await inTransaction(this.ctx.db, async (client) => {
      // FOR SHARE: the draw takes the event row FOR UPDATE, so a request is either
      // in before the draw reads them, or finds the window over.
      const { rows } = await client.query<EventRow>(`${EVENT_SELECT} FOR SHARE OF e`, [eventId]);
      const e = rows[0];
      if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');
      if (e.booking_mode !== 'fair_start' || e.fair_allocated_at)
        throw new DomainError(
          'window_closed',
          'This event is first come, first served: book slots directly.',
        );
      if (e.now < e.booking_opens_at) throw new DomainError('window_closed', 'Booking has not opened yet.');
      if (e.now >= e.window_ends_at)
        throw new DomainError(
          'fair_start_pending',
          'The request window has closed; allocation is under way.',
        );
      // Paused: a request is a family's booking write too.
      await refuseIfPaused(client, eventId);
      const pairs = input.choices.map((c) => `${c.studentId}/${c.teacherId}`);
      if (new Set(pairs).size !== pairs.length)
        throw new DomainError('invalid_input', 'Each teacher appears once per child.');
      const { rows: allowed } = await client.query<{ student_id: string; staff_id: string }>(
        `SELECT fs.student_id, ts.staff_id FROM family_students fs
           JOIN teacher_students ts ON ts.student_id = fs.student_id
          WHERE fs.family_id = $1`,
        [p.familyId],
      );
      const ok = new Set(allowed.map((a) => `${a.student_id}/${a.staff_id}`));
      if (pairs.some((x) => !ok.has(x))) throw new DomainError('not_your_teacher');
      await client.query('DELETE FROM fair_start_entries WHERE event_id = $1 AND family_id = $2', [
        eventId,
        p.familyId,
      ]);
      await client.query(
        'INSERT INTO fair_start_entries (event_id, family_id, arrive_at, leave_by) VALUES ($1, $2, $3, $4)',
        [eventId, p.familyId, input.arriveAt ?? null, input.leaveBy ?? null],
      );
      await client.query(
        `INSERT INTO fair_start_requests (event_id, family_id, rank, student_id, staff_id)
         SELECT $1, $2, r, s, t FROM unnest($3::int[], $4::uuid[], $5::uuid[]) AS x(r, s, t)`,
        [
          eventId,
          p.familyId,
          input.choices.map((_, i) => i + 1),
          input.choices.map((c) => c.studentId),
          input.choices.map((c) => c.teacherId),
        ],
      );
    });
    return this.status(p, eventId);
  }

  /**
   * Runs the draw at the end of the window (the fairness job). Idempotent: a second
   * run finds fair_allocated_at set and does nothing; an early run does nothing and
   * says when to come back.
   */
  async allocate(eventId: string): Promise<{ done: boolean; retryAt?: Date; granted?: number }> {
    let facts: Fact[] = [];
    let outcome: {
      familyId: string;
      granted: number;
      unavailable: { studentId: string; teacherId: string }[];
    }[] = [];
    let granted = 0;
    const answer = await inTransaction(this.ctx.db, async (client) => {
      const e = await this.event(client, null, eventId, true);
      if (e.booking_mode !== 'fair_start' || e.fair_allocated_at) return { done: true };
      if (e.now < e.window_ends_at) return { done: false, retryAt: e.window_ends_at };
      const { rows: draws } = await client.query<{ seed: string }>(
        'SELECT seed FROM fair_start_draws WHERE event_id = $1 FOR UPDATE',
        [eventId],
      );
      const seed = draws[0]?.seed ?? randomBytes(32).toString('hex');
      const input = await this.inputs(client, e, seed);
      const result = allocate(input);
      const grants = result.steps.filter((s) => s.slotId);
      const inserted = await insertConfirmed(
        client,
        grants.map((g) => ({ slotId: g.slotId!, familyId: g.familyId, studentId: g.studentId })),
        { kind: 'system', id: null },
        // The draw is the fair start itself: every rule but the mode's applies.
        { schoolId: null, override: 'fair_start_draw' },
      );
      const changes: Change[] = [];
      const outcomes: { familyId: string; rank: number; outcome: string; bookingId: string | null }[] = [];
      const ranks = new Map<string, number>();
      for (const f of input.families)
        f.choices.forEach((c, i) => {
          ranks.set(`${f.familyId}/${c.studentId}/${c.teacherId}`, i + 1);
        });
      let gi = 0;
      for (const step of result.steps) {
        const rank = ranks.get(`${step.familyId}/${step.studentId}/${step.teacherId}`)!;
        if (!step.slotId) {
          outcomes.push({ familyId: step.familyId, rank, outcome: 'unavailable', bookingId: null });
          continue;
        }
        const ins = inserted[gi++]!;
        if (!ins.ok) {
          // The database refused what the plan thought fitted (a rule the plan does
          // not know): the choice is not granted, and the record says so.
          step.slotId = null;
          step.reason = 'no_fitting_slot';
          outcomes.push({ familyId: step.familyId, rank, outcome: 'unavailable', bookingId: null });
          continue;
        }
        outcomes.push({ familyId: step.familyId, rank, outcome: 'granted', bookingId: ins.bookingId });
        changes.push({
          action: 'confirmed',
          slotId: grants[gi - 1]!.slotId!,
          bookingId: ins.bookingId,
          familyId: step.familyId,
          studentId: step.studentId,
        });
      }
      granted = changes.length;
      await client.query(
        `UPDATE fair_start_requests r SET outcome = x.o, booking_id = x.b
           FROM unnest($2::uuid[], $3::int[], $4::text[], $5::uuid[]) AS x(f, r, o, b)
          WHERE r.event_id = $1 AND r.family_id = x.f AND r.rank = x.r`,
        [
          eventId,
          outcomes.map((o) => o.familyId),
          outcomes.map((o) => o.rank),
          outcomes.map((o) => o.outcome),
          outcomes.map((o) => o.bookingId),
        ],
      );
      const { seed: _s, ...inputs } = input;
      const record: StoredRecord = { order: result.order, steps: result.steps, inputs };
      await client.query(
        `INSERT INTO fair_start_draws (event_id, seed, seed_sha256, drawn_at, record)
         VALUES ($1, $2, $3, now(), $4)
         ON CONFLICT (event_id) DO UPDATE SET drawn_at = now(), record = EXCLUDED.record`,
        [eventId, seed, sha256(seed), JSON.stringify(record)],
      );
      await client.query('UPDATE events SET fair_allocated_at = now() WHERE id = $1', [eventId]);
      facts = await recordChanges(client, eventId, { kind: 'system', id: null }, changes);
      // Each booking it made is in the booking log; the draw itself (seed digest, how
      // many were asked and granted) is in the record of transactions, in the same commit.
      await recordChange(client, {
        schoolId: e.school_id,
        actorKind: 'worker',
        actorId: null,
        action: 'fairStartDraw',
        target: { eventId },
        detail: {
          after: {
            seedSha256: sha256(seed),
            families: input.families.length,
            choices: result.steps.length,
            granted: changes.length,
          },
        },
      });
      const perFamily = new Map<string, (typeof outcome)[number]>();
      for (const f of input.families)
        perFamily.set(f.familyId, { familyId: f.familyId, granted: 0, unavailable: [] });
      for (const s of result.steps) {
        const o = perFamily.get(s.familyId)!;
        if (s.slotId) o.granted++;
        else o.unavailable.push({ studentId: s.studentId, teacherId: s.teacherId });
      }
      outcome = [...perFamily.values()];
      return { done: true, granted };
    });
    if (facts.length > 0) this.ctx.publisher.publish(facts);
    for (const o of outcome) {
      tell(this.ctx, rooms.family(o.familyId), 'fairstart:allocated', {
        eventId,
        granted: o.granted,
        unavailable: o.unavailable,
      });
    }
    return answer;
  }

  /** Everything the draw depends on, read in the draw's transaction. */
  private async inputs(client: DbClient, e: EventRow, seed: string): Promise<AllocationInput> {
    // One client runs one query at a time: read in turn, all in the draw's transaction.
    const entries = await client.query<{ family_id: string; arrive_at: Date | null; leave_by: Date | null }>(
      'SELECT family_id, arrive_at, leave_by FROM fair_start_entries WHERE event_id = $1',
      [e.id],
    );
    const requests = await client.query<{ family_id: string; student_id: string; staff_id: string }>(
      'SELECT family_id, student_id, staff_id FROM fair_start_requests WHERE event_id = $1 ORDER BY family_id, rank',
      [e.id],
    );
    const slots = await client.query<{ id: string; staff_id: string; starts_at: Date; ends_at: Date }>(
      `SELECT s.id, s.staff_id, s.starts_at, s.ends_at FROM slots s
          WHERE s.event_id = $1 AND NOT s.blocked
            AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                             AND booking_is_active(b.status, b.expires_at))`,
      [e.id],
    );
    const existing = await client.query<{
      family_id: string;
      student_id: string;
      staff_id: string;
      starts_at: Date;
      ends_at: Date;
    }>(
      `SELECT family_id, student_id, staff_id, starts_at, ends_at FROM bookings
          WHERE event_id = $1 AND booking_is_active(status, expires_at)`,
      [e.id],
    );

    const choices = new Map<string, { studentId: string; teacherId: string }[]>();
    for (const r of requests.rows) {
      const list = choices.get(r.family_id) ?? [];
      list.push({ studentId: r.student_id, teacherId: r.staff_id });
      choices.set(r.family_id, list);
    }
    return {
      seed,
      gapMs: e.gap_minutes * 60_000,
      maxPerStudent: e.max_per_student,
      families: entries.rows.map((f) => ({
        familyId: f.family_id,
        choices: choices.get(f.family_id) ?? [],
        arriveMs: f.arrive_at?.getTime() ?? null,
        leaveMs: f.leave_by?.getTime() ?? null,
      })),
      slots: slots.rows.map((s) => ({
        id: s.id,
        teacherId: s.staff_id,
        startMs: s.starts_at.getTime(),
        endMs: s.ends_at.getTime(),
      })),
      existing: existing.rows.map((b) => ({
        familyId: b.family_id,
        studentId: b.student_id,
        teacherId: b.staff_id,
        startMs: b.starts_at.getTime(),
        endMs: b.ends_at.getTime(),
      })),
    };
  }

  /** The recorded draw, recomputed from its seed and inputs to show it was fair. */
  async draw(p: Principal, eventId: string): Promise<DrawRecordView> {
    await this.event(this.ctx.db, p, eventId);
    const { rows } = await this.ctx.db.query<{
      seed: string;
      seed_sha256: string;
      drawn_at: Date | null;
      record: StoredRecord | null;
    }>('SELECT seed, seed_sha256, drawn_at, record FROM fair_start_draws WHERE event_id = $1', [eventId]);
    const d = rows[0];
    if (!d?.drawn_at || !d.record) throw new DomainError('not_found', 'The draw has not run yet.');
    const again = allocate({ seed: d.seed, ...d.record.inputs });
    const verified =
      sha256(d.seed) === d.seed_sha256 &&
      JSON.stringify(again.order) === JSON.stringify(d.record.order) &&
      JSON.stringify(again.steps.map((s) => s.slotId)) ===
        JSON.stringify(
          // Steps the database refused are recorded as not granted; the plan had granted them.
          d.record.steps.map((s, i) =>
            s.slotId === null && again.steps[i]?.slotId ? again.steps[i]!.slotId : s.slotId,
          ),
        );
    return {
      eventId,
      seed: d.seed,
      seedSha256: d.seed_sha256,
      drawnAt: d.drawn_at.toISOString(),
      order: d.record.order,
      steps: d.record.steps,
      verified,
    };
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
