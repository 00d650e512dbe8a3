import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Subjects everywhere a teacher is named: a school may have two "Mr Hill"s;
 * what each teaches the child (the class list) tells them apart on the page, in the
 * planner and in the itinerary.
 */
let app: TestApp;
let school: SeededSchool;
let token: string;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, {
    code: 'SUBJ',
    teachers: 3,
    families: 2,
    teachersPerStudent: 2,
    siblingShare: 0,
  });
  const studentId = school.families[0]!.studentIds[0]!;
  // Subjects of the class list, one of them empty (an import may name none).
  const [t1, t2] = school.students.find((s) => s.id === studentId)!.teacherIds;
  await app.db.query('UPDATE teacher_students SET subject = $3 WHERE staff_id = $1 AND student_id = $2', [
    t1,
    studentId,
    'Chemistry',
  ]);
  await app.db.query(`UPDATE teacher_students SET subject = '' WHERE staff_id = $1 AND student_id = $2`, [
    t2,
    studentId,
  ]);
  token = await loginFamily(app, school, 0);
});
afterAll(() => app?.close());

describe('subjects where a teacher is named', () => {
  it("the family's children carry each teacher's subject; the planner and the itinerary name it", async () => {
    const studentId = school.families[0]!.studentIds[0]!;
    const [t1, t2] = school.students.find((s) => s.id === studentId)!.teacherIds;
    const me = await app.api('GET', '/api/v1/me', { token });
    expect(me.status).toBe(200);
    const child = me.body.students.find((s: { id: string }) => s.id === studentId);
    expect(child.subjects).toEqual({ [t1!]: 'Chemistry', [t2!]: '' });

    const plan = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token,
      body: { children: [{ studentId, teacherIds: [t1] }] },
    });
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    expect(plan.body.meetings).toHaveLength(1);
    expect(plan.body.meetings[0].subject).toBe('Chemistry');

    const slotId = plan.body.meetings[0].slotId;
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
    expect(held.status).toBe(200);
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [held.body.id] },
    });
    expect(confirmed.status).toBe(200);
    const mine = await app.api('GET', `/api/v1/events/${school.eventId}/bookings/mine`, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.bookings.map((b: { subject?: string }) => b.subject)).toEqual(['Chemistry']);
  });
});
