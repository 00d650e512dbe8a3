import type pg from 'pg';

export interface PlannedBooking {
  /** Index into the families the plan was made from. */
  family: number;
  familyId: string;
  studentId: string;
  slotId: string;
}

export interface PlanFamily {
  id: string;
  students: { id: string; teacherIds: string[] }[];
}

interface Slot {
  id: string;
  start: number;
  end: number;
}

/**
 * Bookings that cannot collide with each other: each a free slot of one of the
 * student's own teachers, no slot twice, no family at two places at once, no
 * student with a teacher twice. Handed out round-robin over the families (first
 * teacher of every child of every family, then the second…), so that each family
 * writes rarely and the rate is spread like a crowd's. Used where the benchmark
 * wants the machine's capacity, not a race for the same slot: the capacity profile
 * and the database-only ceiling.
 */
export async function planBookings(db: pg.Pool, eventId: string, families: PlanFamily[]) {
  const { rows } = await db.query<{ id: string; staff_id: string; s: number; e: number }>(
    `SELECT id, staff_id, extract(epoch FROM starts_at)::float8 * 1000 AS s, extract(epoch FROM ends_at)::float8 * 1000 AS e
       FROM slots WHERE event_id = $1 AND NOT blocked ORDER BY starts_at`,
    [eventId],
  );
  const byTeacher = new Map<string, Slot[]>();
  for (const r of rows) {
    const list = byTeacher.get(r.staff_id) ?? [];
    if (list.length === 0) byTeacher.set(r.staff_id, list);
    list.push({ id: r.id, start: r.s, end: r.e });
  }
  const used = new Set<string>();
  const busy = families.map(() => [] as { start: number; end: number }[]);
  const rounds = Math.max(0, ...families.flatMap((f) => f.students.map((s) => s.teacherIds.length)));
  function* items(): Generator<PlannedBooking> {
    for (let round = 0; round < rounds; round++)
      for (let fi = 0; fi < families.length; fi++)
        for (const student of families[fi]!.students) {
          const teacherId = student.teacherIds[round];
          if (!teacherId) continue;
          const mine = busy[fi]!;
          const slot = (byTeacher.get(teacherId) ?? []).find(
            (s) => !used.has(s.id) && !mine.some((m) => m.start < s.end && s.start < m.end),
          );
          if (!slot) continue;
          used.add(slot.id);
          mine.push(slot);
          yield { family: fi, familyId: families[fi]!.id, studentId: student.id, slotId: slot.id };
        }
  }
  return { slots: rows.length, items: items() };
}
