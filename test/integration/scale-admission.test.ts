import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// A tiny bucket so the rush is easy to make: two writes at once, then one every 2 s.
let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({ ADMISSION_RATE: '0.5', ADMISSION_BURST: '2' });
  school = await seedSmallSchool(app, { maxPerStudent: 6 });
});
afterAll(() => app?.close());

async function freeSlots(teacherIds: string[], n: number) {
  const { rows } = await app.db.query<{ id: string; staff_id: string }>(
    `SELECT id, staff_id FROM slots WHERE event_id = $1 AND staff_id = ANY($2::uuid[]) ORDER BY starts_at, staff_id LIMIT $3`,
    [school.eventId, teacherIds, n],
  );
  return rows;
}

describe('the opening-night admission limit', () => {
  it('answers a write beyond the bucket with 503 + Retry-After, changes nothing, and admits it after the wait', async () => {
    const family = school.families[0]!;
    const studentId = family.studentIds[0]!;
    const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
    // Different teachers, different times: each hold would succeed on its own.
    const slots = [];
    for (const t of teacherIds) slots.push((await freeSlots([t], 50)).find((_s, i) => i === slots.length)!);
    const token = await loginFamily(app, school, 0);
    const hold = (slotId: string) => app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });

    expect((await hold(slots[0]!.id)).status).toBe(200);
    expect((await hold(slots[1]!.id)).status).toBe(200);
    const refused = await hold(slots[2]!.id);
    expect(refused.status).toBe(503);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(refused.body.error).toMatchObject({ code: 'unavailable', retryAfter });
    expect(refused.body.error.message).toMatch(/retrying in \d+ s/);
    const { rows } = await app.db.query(
      `SELECT slot_id FROM bookings WHERE family_id = $1 AND status IN ('held', 'confirmed')`,
      [family.id],
    );
    expect(rows.map((r) => r.slot_id).sort()).toEqual([slots[0]!.id, slots[1]!.id].sort());

    // The socket path has the same guard, with the wait in the acknowledgement.
    const socket = await app.socket(token);
    const ack = await ask(socket, 'booking:confirm', {
      eventId: school.eventId,
      idempotencyKey: 'confirm-busy-1',
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(ack.error.retryAfter).toBeGreaterThanOrEqual(1);

    // Honest: after the advertised wait, the write goes through.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await hold(slots[2]!.id)).status).toBe(200);
  });

  it('leaves releases alone: letting go of a slot is never refused as busy', async () => {
    const token = await loginFamily(app, school, 1);
    const { rows } = await app.db.query<{ id: string; slot_id: string }>(
      `SELECT id, slot_id FROM bookings WHERE family_id = $1 AND status = 'held'`,
      [school.families[0]!.id],
    );
    // Drain the bucket with writes of another family (holds for the held slot: each is
    // admitted or refused before the database says no; an empty confirmation would be
    // answered before the bucket), then release: still fine.
    const tokenOwner = await loginFamily(app, school, 0);
    const statuses: number[] = [];
    const studentId = school.families[1]!.studentIds[0]!;
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await app.api('POST', '/api/v1/holds', { token, body: { slotId: rows[0]!.slot_id, studentId } }))
          .status,
      );
    expect(statuses).toContain(503);
    const released = await app.api('DELETE', `/api/v1/holds/${rows[0]!.id}`, { token: tokenOwner });
    expect(released.status).toBe(200);
    expect(released.body.status).not.toBe('held');
  });
});

describe('the per-instance queue guard', () => {
  it('refuses a write as busy while requests already queue for a database connection', async () => {
    const small = await startTestApp({
      DATABASE_POOL_SIZE: '1',
      ADMISSION_MAX_WAITING: '1',
      ADMISSION_RATE: '0',
    });
    try {
      const s = await seedSmallSchool(small, { code: 'QUEUE' });
      const token = await loginFamily(small, s, 0);
      const studentId = s.families[0]!.studentIds[0]!;
      const teacherId = s.students.find((x) => x.id === studentId)!.teacherIds[0]!;
      const { rows } = await small.db.query<{ id: string }>(
        'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 2',
        [s.eventId, teacherId],
      );
      // Take the only connection, so the next write has to queue for it.
      const held = await small.db.connect();
      const queued = small.api('POST', '/api/v1/holds', { token, body: { slotId: rows[0]!.id, studentId } });
      await expect.poll(() => small.db.waitingCount).toBe(1);
      const refused = await small.api('POST', '/api/v1/holds', {
        token,
        body: { slotId: rows[1]!.id, studentId },
      });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      held.release();
      expect((await queued).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
