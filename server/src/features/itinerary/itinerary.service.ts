import type { z } from 'zod';
import type { ItineraryProposalView, ItineraryWish } from '../../../../protocol/fairness.ts';
import type { Db } from '../../infra/db.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { Principal } from '../auth/principal.ts';
import { interpreterFreeSlots } from '../interpreters/free-interpreters.ts';
import {
  type Candidate,
  type Interval,
  type Plan,
  type PlanInput,
  planItinerary,
  type WantedMeeting,
} from './itinerary-planner.ts';

type Unplaced = ItineraryProposalView['unplaced'][number];

/**
 * Runs the planner within its deadline somewhere: the server on its CPU pool (see
 * itinerary-on-pool.ts), so a search never holds the event loop; elsewhere in place.
 */
export type PlanRunner = (input: PlanInput) => Promise<Plan>;

/** In place, on the caller's thread: for processes without an event loop to protect (scripts, workers). */
export function planInPlace(deadlineMs: number): PlanRunner {
  return async (input) => planItinerary(input, { until: Date.now() + deadlineMs });
}

/** Proposes a family's best itinerary from the slots free right now. */
export class ItineraryService {
  constructor(
    private readonly db: Db,
    private readonly plan: PlanRunner = planInPlace(250),
  ) {}

  async propose(
    p: Principal,
    eventId: string,
    wish: z.infer<typeof ItineraryWish>,
  ): Promise<ItineraryProposalView> {
    if (p.kind !== 'family') throw new DomainError('forbidden');
    const familyId = p.familyId;
    const { rows: events } = await this.db.query<{ school_id: string; gap_minutes: number }>(
      'SELECT school_id, gap_minutes FROM events WHERE id = $1',
      [eventId],
    );
    const e = events[0];
    if (!e || e.school_id !== p.schoolId) throw new DomainError('not_found', 'This event does not exist.');

    const studentIds = wish.children.map((c) => c.studentId);
    const { rows: links } = await this.db.query<{
      student_id: string;
      staff_id: string | null;
      subject: string | null;
    }>(
      `SELECT fs.student_id, ts.staff_id, ts.subject FROM family_students fs
         LEFT JOIN teacher_students ts ON ts.student_id = fs.student_id
        WHERE fs.family_id = $1 AND fs.student_id = ANY($2::uuid[])`,
      [familyId, studentIds],
    );
    const mine = new Set(links.map((l) => l.student_id));
    if (studentIds.some((s) => !mine.has(s)))
      throw new DomainError('not_found', 'This child is not in this family.');
    const subjectOf = new Map(links.map((l) => [`${l.student_id}/${l.staff_id}`, l.subject ?? '']));
    const teaches = new Set(subjectOf.keys());

    const teacherIds = [...new Set(wish.children.flatMap((c) => c.teacherIds))];
    const arrive = wish.arriveAt ? Date.parse(wish.arriveAt) : null;
    const leave = wish.leaveBy ? Date.parse(wish.leaveBy) : null;
    const [slots, bookings] = await Promise.all([
      // Free now: not blocked, nobody in it, not offered to a waiting family, not past.
      this.db.query<{ id: string; staff_id: string; starts_at: Date; ends_at: Date; room: string }>(
        `SELECT s.id, s.staff_id, s.starts_at, s.ends_at, s.room FROM slots s
          WHERE s.event_id = $1 AND s.staff_id = ANY($2::uuid[]) AND NOT s.blocked AND s.starts_at > now()
            AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id
                             AND booking_is_active(b.status, b.expires_at))
            AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.slot_id = s.id AND o.kind = 'waitlist'
                             AND o.status = 'pending' AND o.expires_at > now() AND o.family_id <> $3)
          ORDER BY s.starts_at, s.id`,
        [eventId, teacherIds, familyId],
      ),
      this.db.query<{
        family_id: string;
        student_id: string;
        staff_id: string;
        starts_at: Date;
        ends_at: Date;
      }>(
        `SELECT family_id, student_id, staff_id, starts_at, ends_at FROM bookings
          WHERE event_id = $1 AND (family_id = $2 OR student_id = ANY($3::uuid[]))
            AND booking_is_active(status, expires_at)`,
        [eventId, familyId, studentIds],
      ),
    ]);
    const rooms = new Map(slots.rows.map((s) => [s.id, s.room]));
    // A family that needs an interpreter can hold only where one is free for its language:
    // the same test as its snapshot and the booking door's trigger. The family is never in
    // two meetings at once, so one free interpreter per meeting's time is enough.
    const interpreter = await interpreterFreeSlots(
      this.db,
      familyId,
      slots.rows.map((s) => s.id),
    );
    const withInterpreter = interpreter ? new Set(interpreter.freeSlotIds) : null;
    const freeByTeacher = new Map<string, Candidate[]>();
    for (const s of slots.rows) {
      if (withInterpreter && !withInterpreter.has(s.id)) {
        // Free, so the teacher is not full; without any time with an interpreter: `no_interpreter`.
        if (!freeByTeacher.has(s.staff_id)) freeByTeacher.set(s.staff_id, []);
        continue;
      }
      const list = freeByTeacher.get(s.staff_id) ?? [];
      list.push({ slotId: s.id, startMs: s.starts_at.getTime(), endMs: s.ends_at.getTime() });
      freeByTeacher.set(s.staff_id, list);
    }
    const fixed: Interval[] = [];
    const childBusy = new Map<string, Interval[]>();
    const alreadySees = new Set<string>();
    for (const b of bookings.rows) {
      const iv = { startMs: b.starts_at.getTime(), endMs: b.ends_at.getTime() };
      if (b.family_id === familyId) fixed.push(iv);
      else childBusy.set(b.student_id, [...(childBusy.get(b.student_id) ?? []), iv]);
      alreadySees.add(`${b.student_id}/${b.staff_id}`);
    }

    const wanted: WantedMeeting[] = [];
    const unplaced: Unplaced[] = [];
    for (const child of wish.children)
      for (const teacherId of new Set(child.teacherIds)) {
        const key = `${child.studentId}/${teacherId}`;
        const base = { studentId: child.studentId, teacherId };
        if (!teaches.has(key))
          unplaced.push({ ...base, reason: 'not_your_teacher', waitingListAvailable: false });
        else if (alreadySees.has(key))
          unplaced.push({ ...base, reason: 'already_booked', waitingListAvailable: false });
        else {
          const free = freeByTeacher.get(teacherId);
          if (!free) unplaced.push({ ...base, reason: 'full', waitingListAvailable: true });
          else if (free.length === 0)
            unplaced.push({ ...base, reason: 'no_interpreter', waitingListAvailable: true });
          else
            wanted.push({
              ...base,
              candidates: free.filter(
                (c) => (arrive === null || c.startMs >= arrive) && (leave === null || c.endMs <= leave),
              ),
            });
        }
      }

    const plan = await this.plan({ meetings: wanted, fixed, childBusy, gapMs: e.gap_minutes * 60_000 });
    const meetings: ItineraryProposalView['meetings'] = [];
    plan.chosen.forEach((c, i) => {
      const w = wanted[i]!;
      if (!c) {
        // Free slots exist (with an interpreter, for a family that needs one) but none fits
        // the family's times and other meetings: the waiting list can still find it one later.
        unplaced.push({
          studentId: w.studentId,
          teacherId: w.teacherId,
          reason: 'no_fit',
          waitingListAvailable: true,
        });
        return;
      }
      meetings.push({
        studentId: w.studentId,
        teacherId: w.teacherId,
        subject: subjectOf.get(`${w.studentId}/${w.teacherId}`) ?? '',
        slotId: c.slotId,
        startsAt: new Date(c.startMs).toISOString(),
        endsAt: new Date(c.endMs).toISOString(),
        room: rooms.get(c.slotId) ?? '',
      });
    });
    meetings.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
    const all = [
      ...fixed,
      ...meetings.map((m) => ({ startMs: Date.parse(m.startsAt), endMs: Date.parse(m.endsAt) })),
    ];
    const first = all.length ? Math.min(...all.map((m) => m.startMs)) : null;
    const last = all.length ? Math.max(...all.map((m) => m.endMs)) : null;
    return {
      eventId,
      meetings,
      unplaced,
      waitingMinutes: plan.waitingMs / 60_000,
      firstStartsAt: first === null ? null : new Date(first).toISOString(),
      lastEndsAt: last === null ? null : new Date(last).toISOString(),
      provenBest: plan.provenBest,
    };
  }
}
