import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FairStartAllocated } from '../../protocol/fairness.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startTestWorkers, workerHooks } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let admin: string;

beforeAll(async () => {
  app = await startTestApp({}, { hooks: workerHooks });
  // Opens in 3 s; the fair-start window then lasts 6 s.
  school = await seedSmallSchool(app, {
    opensInMinutes: 0.05,
    families: 8,
    teachers: 3,
    teachersPerStudent: 3,
  });
  workers = await startTestWorkers(app, { only: ['fairness'] });
  admin = await loginStaff(app, school.admin.email);
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
});

const untilOpen = async () => {
  const { rows } = await app.db.query<{ wait: number }>(
    'SELECT greatest(0, extract(epoch FROM booking_opens_at - now()) * 1000)::int AS wait FROM events WHERE id = $1',
    [school.eventId],
  );
  await new Promise((r) => setTimeout(r, rows[0]!.wait + 100));
};

describe('fair start', () => {
  it('collects requests in the window, refuses direct holds, then allocates by a recorded, verifiable draw', async () => {
    const set = await app.api('PUT', `/api/v1/events/${school.eventId}/fairness`, {
      token: admin,
      body: { mode: 'fair_start', windowMinutes: 0.1 },
    });
    expect(set.status).toBe(200);
    expect(set.body.mode).toBe('fair_start');
    expect(set.body.seedSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(set.body.seed).toBeNull();
    expect(set.body.allocationLocalTime).toMatch(/^\d\d:\d\d$/);

    await untilOpen();
    const families = school.families.slice(0, 6);
    const tokens = await Promise.all(families.map((_, i) => loginFamily(app, school, i)));
    const sockets = await Promise.all(tokens.map((t) => app.socket(t)));
    const results: FairStartAllocated[] = [];
    for (const s of sockets) s.on('fairstart:allocated', (p) => results.push(p));

    // Every family wants the same teacher first: a real contest.
    const contested = school.students.find((s) => s.id === families[0]!.studentIds[0])!.teacherIds[0]!;
    for (const [i, fam] of families.entries()) {
      const studentId = fam.studentIds[0]!;
      const teachers = school.students.find((s) => s.id === studentId)!.teacherIds;
      const ordered = teachers.includes(contested)
        ? [contested, ...teachers.filter((t) => t !== contested)]
        : teachers;
      const sent = await app.api('PUT', `/api/v1/events/${school.eventId}/fair-start/requests`, {
        token: tokens[i]!,
        body: { choices: ordered.map((teacherId) => ({ studentId, teacherId })) },
      });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      expect(sent.body.collecting).toBe(true);
      expect(sent.body.requests.every((r: { outcome: string }) => r.outcome === 'pending')).toBe(true);
    }

    // A direct hold during the window is refused with its own code, and nothing is booked.
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: tokens[0]! });
    const free = snap.body.slots.find((s: { teacherId: string; state: string }) => s.teacherId === contested);
    const hold = await app.api('POST', '/api/v1/holds', {
      token: tokens[0]!,
      body: { slotId: free.id, studentId: families[0]!.studentIds[0] },
    });
    expect(hold.status).toBe(409);
    expect(hold.body.error.code).toBe('fair_start_pending');
    expect(hold.body.error.message).toMatch(/allocated at \d\d:\d\d/);
    const before = await app.db.query(`SELECT 1 FROM bookings WHERE event_id = $1`, [school.eventId]);
    expect(before.rowCount).toBe(0);

    // The fairness worker runs the draw at the end of the window; families hear it live.
    await expect.poll(() => results.length, { timeout: 20_000, interval: 100 }).toBe(families.length);
    const granted = await app.db.query<{ family_id: string; staff_id: string; created_by: string }>(
      `SELECT family_id, staff_id, created_by FROM bookings WHERE event_id = $1 AND status = 'confirmed'`,
      [school.eventId],
    );
    expect(granted.rowCount).toBe(results.reduce((n, r) => n + r.granted, 0));
    expect(granted.rows.every((r) => r.created_by === 'system')).toBe(true);
    const logged = await app.db.query(
      `SELECT 1 FROM booking_log WHERE event_id = $1 AND action = 'confirmed'`,
      [school.eventId],
    );
    expect(logged.rowCount).toBe(granted.rowCount);

    const status = await app.api('GET', `/api/v1/events/${school.eventId}/fair-start`, { token: tokens[0]! });
    expect(status.body.collecting).toBe(false);
    expect(status.body.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(status.body.requests.some((r: { outcome: string }) => r.outcome !== 'pending')).toBe(true);

    const draw = await app.api('GET', `/api/v1/events/${school.eventId}/fair-start/draw`, { token: admin });
    expect(draw.status).toBe(200);
    expect(draw.body.verified).toBe(true);
    expect([...draw.body.order].sort()).toEqual(families.map((f) => f.id).sort());
    // Round 1 is everyone's first choice before anyone's second.
    const rounds = draw.body.steps.map((s: { round: number }) => s.round);
    expect(rounds).toEqual([...rounds].sort((a: number, b: number) => a - b));

    // Now first come, first served: a free slot can be held directly.
    const after = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, {
      token: tokens[0]!,
    });
    const studentId = families[0]!.studentIds[0]!;
    const mine = new Set(granted.rows.filter((r) => r.family_id === families[0]!.id).map((r) => r.staff_id));
    const teacher = school.students.find((s) => s.id === studentId)!.teacherIds.find((t) => !mine.has(t));
    if (teacher) {
      const slot = after.body.slots
        .filter((s: { teacherId: string; state: string }) => s.teacherId === teacher && s.state === 'free')
        .at(-1);
      const direct = await app.api('POST', '/api/v1/holds', {
        token: tokens[0]!,
        body: { slotId: slot.id, studentId },
      });
      expect(direct.status, JSON.stringify(direct.body)).toBe(200);
    }
    // Changing the opening mode after opening is refused.
    const late = await app.api('PUT', `/api/v1/events/${school.eventId}/fairness`, {
      token: admin,
      body: { mode: 'fcfs' },
    });
    expect(late.status).toBe(409);
  });
});
