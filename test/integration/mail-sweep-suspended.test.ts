import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { dueScheduledMail } from '../../server/src/features/mail/mail-sweep.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** A school the operator suspended gets no reminders or teachers' schedules from the sweep. */
let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, {
    code: 'SUSPMAIL',
    eveningDate: `${new Date().getUTCFullYear() + 1}-11-30`,
  });
});
afterAll(() => app?.close());

describe('the mail sweep and a suspended school', () => {
  it('finds the reminder while the school is active, and nothing once it is suspended', async () => {
    const admin = await loginStaff(app, school.admin.email);
    const index = school.families.findIndex((f) => f.email);
    const fam = school.families[index]!;
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const { rows } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE staff_id = $1 AND event_id = $2 ORDER BY starts_at LIMIT 1',
      [teacherId, school.eventId],
    );
    await bookOnBehalf(app, admin, school, rows[0]!.id, fam.id, studentId);
    await app.db.query(`UPDATE bookings SET confirmed_at = now() - interval '60 days' WHERE family_id = $1`, [
      fam.id,
    ]);
    const due = () => dueScheduledMail(app.db, { reminderHoursBefore: 24 * 400, teacherScheduleHour: 0 });
    const reminders = (jobs: Awaited<ReturnType<typeof due>>) =>
      jobs.filter((j) => j.kind === 'reminder' && 'familyId' in j && j.familyId === fam.id);
    expect(reminders(await due())).toHaveLength(1);
    await app.db.query('UPDATE schools SET suspended_at = now() WHERE id = $1', [school.schoolId]);
    const after = await due();
    expect(reminders(after)).toEqual([]);
    expect(after.filter((j) => 'eventId' in j && j.eventId === school.eventId)).toEqual([]);
  });
});
