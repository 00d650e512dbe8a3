import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// One parent's "plan my evening" or one admin's 10 MB import used to hold the
// event loop for seconds to minutes, and every other screen stopped answering.
// A generous liveness bound, not a speed target (speed: npm run bench:planner).
const LIVENESS_MS = 2000;

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({ IMPORTS_PER_HOUR: '1000', CPU_WORKERS: '2' });
  // Two children, each seeing all ten teachers: the worst plan a family can ask for here (20 meetings).
  school = await seedSmallSchool(app, {
    code: 'BNDW',
    teachers: 10,
    families: 3,
    teachersPerStudent: 10,
    siblingShare: 1,
    maxPerStudent: 10,
    gapMinutes: 0,
  });
});
afterAll(() => app?.close());

/** Polls /healthz while `work` runs; the slowest answer seen. */
async function healthzDuring(work: Promise<unknown>): Promise<{ slowestMs: number; answers: number }> {
  let done = false;
  void work.finally(() => {
    done = true;
  });
  let slowestMs = 0;
  let answers = 0;
  while (!done) {
    const t0 = performance.now();
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    answers++;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { slowestMs, answers };
}

/** A 10 MB students file (just under IMPORT_MAX_BYTES) whose every row has a bad year. */
function largestBadImport(): string {
  const lines = ['student_id,first_name,surname,year,class'];
  let size = lines[0]!.length;
  for (let i = 0; size < 10 * 1024 * 1024 - 100; i++) {
    const line = `S${i},Pupil${i},Surname${i},=${i},${i % 9}A`;
    lines.push(line);
    size += line.length + 2;
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('bounded work per request', () => {
  it('keeps /healthz and a booking answering while the worst plan and the largest import run', async () => {
    const fam = school.families.findIndex((f) => f.studentIds.length === 2);
    const family = school.families[fam]!;
    const familyToken = await loginFamily(app, school, fam);
    const children = family.studentIds.map((studentId) => ({
      studentId,
      teacherIds: school.students.find((s) => s.id === studentId)!.teacherIds,
    }));
    expect(children.flatMap((c) => c.teacherIds)).toHaveLength(20);
    const adminToken = await loginStaff(app, school.admin.email, PASSWORD);
    const other = school.families.findIndex((f, i) => i !== fam && f.studentIds.length > 0);
    const otherToken = await loginFamily(app, school, other);
    const otherChild = school.families[other]!.studentIds[0]!;
    const { rows: slots } = await app.db.query<{ id: string }>(
      `SELECT s.id FROM slots s JOIN teacher_students ts ON ts.staff_id = s.staff_id
        WHERE s.event_id = $1 AND ts.student_id = $2 ORDER BY s.starts_at DESC LIMIT 1`,
      [school.eventId, otherChild],
    );

    const planning = app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token: familyToken,
      body: { children },
    });
    // The check is the heavy part of an import (the file on a CPU thread).
    const importing = fetch(`${app.url}/api/v1/admin/imports?dryRun=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' },
      body: largestBadImport(),
    });
    const both = Promise.all([planning, importing]);
    // A booking while both run.
    const holdStarted = performance.now();
    const hold = await app.api('POST', '/api/v1/holds', {
      token: otherToken,
      body: { slotId: slots[0]!.id, studentId: otherChild },
    });
    const holdMs = performance.now() - holdStarted;
    const health = await healthzDuring(both);
    const [plan, imported] = await both;

    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    expect(holdMs).toBeLessThan(LIVENESS_MS);
    expect(health.answers).toBeGreaterThan(0);
    expect(health.slowestMs).toBeLessThan(LIVENESS_MS);

    // The plan: all 20 meetings, clash-free, in the time allowed (maybe not proven best).
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    expect(plan.body.meetings).toHaveLength(20);
    expect(typeof plan.body.provenBest).toBe('boolean');
    const starts = plan.body.meetings.map((m: { startsAt: string; endsAt: string }) => m);
    for (let i = 1; i < starts.length; i++)
      expect(Date.parse(starts[i].startsAt)).toBeGreaterThanOrEqual(Date.parse(starts[i - 1].endsAt));

    // The import: refused as a whole, the first 100 problems listed and the rest counted.
    const text = await imported.text();
    expect(imported.status).toBe(400);
    expect(text.length).toBeLessThan(64 * 1024);
    const error = JSON.parse(text).error;
    expect(error.code).toBe('invalid_input');
    expect(error.issues).toHaveLength(100);
    expect(error.issues[0]).toEqual({
      path: '2.year',
      message: 'Starts with =, + or @ (a spreadsheet formula?).',
    });
    expect(error.issuesNotListed).toBeGreaterThan(200_000);
  });

  it('refuses a file over IMPORT_MAX_BYTES with 413 and writes nothing', async () => {
    const adminToken = await loginStaff(app, school.admin.email, PASSWORD);
    const before = await app.db.query('SELECT count(*)::int AS n FROM students WHERE school_id = $1', [
      school.schoolId,
    ]);
    const res = await fetch(`${app.url}/api/v1/admin/imports?dryRun=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' },
      body: `student_id,first_name,surname,year,class\r\n${'S1,A,B,Year 7,7A\r\n'.repeat(700_000)}`,
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    const after = await app.db.query('SELECT count(*)::int AS n FROM students WHERE school_id = $1', [
      school.schoolId,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });
});
