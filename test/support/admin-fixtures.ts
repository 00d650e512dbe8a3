import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { ClientSocket, TestApp } from './test-app.ts';

/** Books a child on a family's behalf as an admin (hold, then confirm), through the public API. */
export async function bookOnBehalf(
  app: TestApp,
  adminToken: string,
  school: { eventId: string },
  slotId: string,
  familyId: string,
  studentId: string,
  eventId = school.eventId,
): Promise<string> {
  const held = await app.api('POST', '/api/v1/holds', {
    token: adminToken,
    body: { slotId, studentId, familyId },
  });
  if (held.status !== 200) throw new Error(`hold failed: ${held.status} ${JSON.stringify(held.body)}`);
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token: adminToken,
    body: { eventId, familyId, holdIds: [held.body.id] },
  });
  if (confirmed.status !== 200)
    throw new Error(`confirm failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return held.body.id as string;
}

/**
 * Every event a socket receives, in order, for assertions about what reached it;
 * each fact of a `slot:facts` batch is its own entry.
 */
export function recordAll(socket: ClientSocket): { event: string; payload: any }[] {
  const seen: { event: string; payload: any }[] = [];
  socket.onAny((event: string, payload: unknown) => {
    if (event === 'slot:facts') for (const fact of payload as unknown[]) seen.push({ event, payload: fact });
    else seen.push({ event, payload });
  });
  return seen;
}

/** A family of the school, with one child and that child's first teacher. */
export function familyWithTeacher(school: SeededSchool, index: number) {
  const family = school.families[index]!;
  const studentId = family.studentIds[0]!;
  const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  return { family, studentId, teacherId };
}
