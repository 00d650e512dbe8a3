import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, {
    families: 6,
    teachers: 4,
    teachersPerStudent: 4,
    siblingShare: 1,
    gapMinutes: 5,
  });
});
afterAll(() => app?.close());

describe('automatic itinerary', () => {
  it('proposes a clash-free plan keeping the gap, holds it all at once, confirms it, and is all-or-nothing', async () => {
    const fam = school.families.find((f) => f.studentIds.length === 2)!;
    const index = school.families.indexOf(fam);
    const token = await loginFamily(app, school, index);
    const children = fam.studentIds.map((studentId) => ({
      studentId,
      teacherIds: school.students.find((s) => s.id === studentId)!.teacherIds.slice(0, 2),
    }));
    const proposal = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token,
      body: { children },
    });
    expect(proposal.status, JSON.stringify(proposal.body)).toBe(200);
    const meetings = proposal.body.meetings as {
      studentId: string;
      slotId: string;
      startsAt: string;
      endsAt: string;
    }[];
    expect(meetings).toHaveLength(4);
    for (let i = 1; i < meetings.length; i++)
      expect(Date.parse(meetings[i]!.startsAt)).toBeGreaterThanOrEqual(
        Date.parse(meetings[i - 1]!.endsAt) + 5 * 60_000,
      );
    // Least waiting with a 5-minute gap between 4 meetings: exactly the 3 gaps.
    expect(proposal.body.waitingMinutes).toBe(15);

    // Someone takes one of the proposed slots first: the whole hold is refused and nothing is held.
    const other = school.families.findIndex((f, i) => i !== index && f.studentIds.length > 0);
    const otherToken = await loginFamily(app, school, other);
    const stolen = meetings[2]!;
    const otherChild = school.families[other]!.studentIds.find((s) =>
      school.students.find((x) => x.id === s)!.teacherIds.includes(proposal.body.meetings[2].teacherId),
    )!;
    expect(
      (
        await app.api('POST', '/api/v1/holds', {
          token: otherToken,
          body: { slotId: stolen.slotId, studentId: otherChild },
        })
      ).status,
    ).toBe(200);
    const body = { meetings: meetings.map((m) => ({ studentId: m.studentId, slotId: m.slotId })) };
    const refused = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/hold`, { token, body });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('slot_taken');
    const { rowCount } = await app.db.query(
      `SELECT 1 FROM bookings WHERE family_id = $1 AND status IN ('held', 'confirmed')`,
      [fam.id],
    );
    expect(rowCount).toBe(0);

    // A fresh proposal avoids the taken slot; one call holds it all, the existing confirm books it.
    const again = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token,
      body: { children },
    });
    expect(again.body.meetings.map((m: { slotId: string }) => m.slotId)).not.toContain(stolen.slotId);
    const held = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/hold`, {
      token,
      body: {
        meetings: again.body.meetings.map((m: { studentId: string; slotId: string }) => ({
          studentId: m.studentId,
          slotId: m.slotId,
        })),
      },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body.bookings.map((b: { status: string }) => b.status)).toEqual([
      'held',
      'held',
      'held',
      'held',
    ]);
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: held.body.bookings.map((b: { id: string }) => b.id) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.bookings).toHaveLength(4);
  });
});
