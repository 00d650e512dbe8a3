import type { SlotView } from '../../../protocol/schemas.ts';
import type { SeededSchool } from '../../../server/src/features/demo/demo-seed.ts';
import { loginStaff } from '../../support/fixtures.ts';
import type { TestApp } from '../../support/test-app.ts';

/** Every slot of the event with its state, as the admin sees it. */
export async function allSlots(app: TestApp, school: SeededSchool): Promise<SlotView[]> {
  const token = await loginStaff(app, school.admin.email);
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  return res.body.slots as SlotView[];
}

export function teacherSlots(slots: SlotView[], teacherId: string): SlotView[] {
  return slots.filter((s) => s.teacherId === teacherId).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

/** Two families whose first children share a teacher: the pair that will race. */
export function rivals(school: SeededSchool): { a: number; b: number; teacherId: string } {
  const firstTeachers = school.families.map(
    (f) => school.students.find((s) => s.id === f.studentIds[0])!.teacherIds,
  );
  for (let a = 0; a < school.families.length; a++)
    for (let b = a + 1; b < school.families.length; b++) {
      const shared = firstTeachers[a]!.find((t) => firstTeachers[b]!.includes(t));
      if (shared) return { a, b, teacherId: shared };
    }
  throw new Error('no two families share a teacher');
}

/** Position of a teacher's row in a child's grid (rows follow the snapshot's teacher order). */
export function studentOf(school: SeededSchool, familyIndex: number, child = 0) {
  const id = school.families[familyIndex]!.studentIds[child]!;
  return school.students.find((s) => s.id === id)!;
}
