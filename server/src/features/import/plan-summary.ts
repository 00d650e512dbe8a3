import type { ImportPlanReport, ImportRemoval } from '../../../../protocol/imports.ts';
import type { Queryable } from '../../infra/db.ts';
import type { Changes, ImportPlan } from './import-plan.ts';
import { confirmationReasons } from './removal-rule.ts';
import type { Roster } from './school-roster.ts';

/** Removals listed by name in an answer; the rest are counted (a whole school's class lists would be thousands). */
export const REMOVALS_LISTED = 500;

/** What a plan does, as the check and the import answer it (counts, removals by name, confirmation). */
export type PlanSummary = Omit<ImportPlanReport, 'dryRun' | 'planId' | 'importId'>;

const counts = <T>(c: Changes<T>) => ({
  added: c.added.length,
  changed: c.changed.length,
  removed: c.removed.length,
});

/**
 * Removed links through which a student has a held or booked appointment in an event
 * not archived, as `<owner>:<student>` keys. The import never cancels them (bookings
 * change only through the booking door, and a school fixing a wrong file should not
 * lose appointments): they are listed, and need the confirmation.
 */
export async function removalsWithAppointments(c: Queryable, plan: ImportPlan): Promise<Set<string>> {
  const { classLinks, familyLinks } = plan;
  if (!classLinks.removed.length && !familyLinks.removed.length) return new Set();
  const { rows } = await c.query<{ key: string }>(
    `SELECT DISTINCT b.staff_id || ':' || b.student_id AS key
       FROM bookings b JOIN events e ON e.id = b.event_id
       JOIN jsonb_to_recordset($1::jsonb) AS x("staffId" uuid, "studentId" uuid)
         ON b.staff_id = x."staffId" AND b.student_id = x."studentId"
      WHERE e.archived_at IS NULL AND booking_is_active(b.status, b.expires_at)
     UNION
     SELECT DISTINCT b.family_id || ':' || b.student_id
       FROM bookings b JOIN events e ON e.id = b.event_id
       JOIN jsonb_to_recordset($2::jsonb) AS x("familyId" uuid, "studentId" uuid)
         ON b.family_id = x."familyId" AND b.student_id = x."studentId"
      WHERE e.archived_at IS NULL AND booking_is_active(b.status, b.expires_at)`,
    [JSON.stringify(classLinks.removed), JSON.stringify(familyLinks.removed)],
  );
  return new Set(rows.map((r) => r.key));
}

/** Names, counts and the confirmation rule for a plan computed against `roster`. */
export function summarisePlan(plan: ImportPlan, roster: Roster, withAppointment: Set<string>): PlanSummary {
  const staff = new Map(roster.staff.map((s) => [s.id, s]));
  const students = new Map(roster.students.map((s) => [s.id, s]));
  const families = new Map(roster.families.map((f) => [f.id, f]));
  const ext = (id: string | null) => (id ? ` (${id})` : '');
  const staffLabel = (id: string) => {
    const s = staff.get(id);
    return s ? `${[s.title, s.firstName, s.surname].filter(Boolean).join(' ')}${ext(s.externalId)}` : id;
  };
  const studentLabel = (id: string) => {
    const s = students.get(id);
    return s ? `${s.firstName} ${s.surname}${s.className ? `, ${s.className}` : ''}${ext(s.externalId)}` : id;
  };
  const familyLabel = (id: string) => {
    const f = families.get(id);
    return f ? `${f.surname} family${ext(f.externalId)}` : id;
  };

  const removals: ImportRemoval[] = [
    ...plan.classLinks.removed.map((l) => ({
      list: 'class-list' as const,
      owner: staffLabel(l.staffId),
      student: studentLabel(l.studentId),
      hasAppointment: withAppointment.has(`${l.staffId}:${l.studentId}`),
    })),
    ...plan.familyLinks.removed.map((l) => ({
      list: 'family' as const,
      owner: familyLabel(l.familyId),
      student: studentLabel(l.studentId),
      hasAppointment: withAppointment.has(`${l.familyId}:${l.studentId}`),
    })),
  ];
  // Those with an appointment first: they are what the admin most needs to see.
  removals.sort((a, b) => Number(b.hasAppointment) - Number(a.hasAppointment));

  const listSize = new Map<string, number>();
  for (const l of roster.classLinks) listSize.set(l.staffId, (listSize.get(l.staffId) ?? 0) + 1);
  const cut = new Map<string, number>();
  for (const l of plan.classLinks.removed) cut.set(l.staffId, (cut.get(l.staffId) ?? 0) + 1);

  let granted = 0;
  const rolesRemoved: { staff: string; role: 'admin' | 'teacher' }[] = [];
  for (const { before, after } of plan.staff.changed) {
    for (const [flag, role] of [
      ['isAdmin', 'admin'],
      ['isTeacher', 'teacher'],
    ] as const) {
      if (!before[flag] && after[flag]) granted++;
      if (before[flag] && !after[flag]) rolesRemoved.push({ staff: staffLabel(before.id!), role });
    }
  }

  const reasons = confirmationReasons({
    classLists: [...cut].map(([id, removed]) => ({
      teacher: staffLabel(id),
      before: listSize.get(id) ?? 0,
      removed,
    })),
    familyLinks: { before: roster.familyLinks.length, removed: plan.familyLinks.removed.length },
    rolesRemoved,
    withAppointment: removals.filter((r) => r.hasAppointment).length,
  });

  const changes = {
    staff: counts(plan.staff),
    students: counts(plan.students),
    families: counts(plan.families),
    familyLinks: counts(plan.familyLinks),
    classLinks: counts(plan.classLinks),
    roles: { granted, removed: rolesRemoved.length },
  };
  const all = [changes.staff, changes.students, changes.families, changes.familyLinks, changes.classLinks];
  return {
    kind: plan.kind,
    rows: plan.rows,
    created: all.reduce((n, c) => n + c.added, 0),
    updated: all.reduce((n, c) => n + c.changed, 0),
    removed: all.reduce((n, c) => n + c.removed, 0),
    changes,
    removals: removals.slice(0, REMOVALS_LISTED),
    removalsNotListed: Math.max(0, removals.length - REMOVALS_LISTED),
    languagesNotOffered: plan.languagesNotOffered ?? 0,
    confirmation: { needed: reasons.length > 0, reasons },
  };
}
