/**
 * When an import's removals need the admin's explicit yes (`confirmRemovals=1`). A
 * class-list file holding one teacher's first row only, or an export filtered by
 * mistake, looks like any other file; what gives it away is how much it takes away.
 */

/** More than this share of one teacher's class list, or of the school's family links. */
export const REMOVAL_SHARE = 0.1;
/** More removals than this in one import, whatever the shares. */
export const REMOVALS_MAX = 50;

export interface RemovalFacts {
  /** Per teacher whose class list the import shortens: their label, list size before, students removed. */
  classLists: { teacher: string; before: number; removed: number }[];
  familyLinks: { before: number; removed: number };
  /** Staff who lose a role: label and the role lost. */
  rolesRemoved: { staff: string; role: 'admin' | 'teacher' }[];
  /** Removed links through which a student has a held or booked appointment. */
  withAppointment: number;
}

/** The reasons this import needs a confirmation, each naming its counts; none when it does not. */
export function confirmationReasons(f: RemovalFacts): string[] {
  const reasons: string[] = [];
  for (const l of f.classLists)
    if (l.removed > l.before * REMOVAL_SHARE)
      reasons.push(
        `${l.teacher}: ${l.removed} of ${l.before} students removed from the class list (${l.before} → ${l.before - l.removed}).`,
      );
  const { before, removed } = f.familyLinks;
  if (removed > before * REMOVAL_SHARE)
    reasons.push(`${removed} of the school’s ${before} family–student links removed.`);
  const total = f.classLists.reduce((n, l) => n + l.removed, 0) + removed;
  if (total > REMOVALS_MAX) reasons.push(`${total} links removed in all (more than ${REMOVALS_MAX}).`);
  for (const r of f.rolesRemoved) reasons.push(`${r.staff} loses the ${r.role} role.`);
  if (f.withAppointment > 0)
    reasons.push(
      `${f.withAppointment} removed link${f.withAppointment === 1 ? ' has' : 's have'} an appointment, which stays booked (cancel it in the console if it should go).`,
    );
  return reasons;
}
