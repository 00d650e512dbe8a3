import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A retried hold whose first attempt committed must get its stored answer
 * even while someone holds the slot's Redis lock (the lock was checked first, so the
 * replay was refused as slot_taken: 200, 200, 409, 200).
 */
let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({ SLOT_LOCK_ENABLED: 'true' });
  school = await seedSmallSchool(app, { families: 2 });
});
afterAll(() => app?.close());

describe('a replayed hold', () => {
  it('gets its stored answer whatever the slot lock says', async () => {
    const token = await loginFamily(app, school, 0);
    const fam = school.families[0]!;
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const { rows } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 1',
      [school.eventId, teacherId],
    );
    const slotId = rows[0]!.id;
    const hold = () =>
      app.api('POST', '/api/v1/holds', {
        token,
        body: { slotId, studentId },
        headers: { 'idempotency-key': 'replay-under-lock' },
      });
    const first = await hold();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect((await hold()).body.id).toBe(first.body.id);
    // Another request holds the slot's lock right now.
    await app.redis.set(`${app.config.REDIS_PREFIX}slotlock:${slotId}`, 'someone-else', 'PX', 30_000);
    const underLock = await hold();
    expect(underLock.status, JSON.stringify(underLock.body)).toBe(200);
    expect(underLock.body.id).toBe(first.body.id);
    // A new request (another key) for the locked slot still loses at once.
    const other = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId, studentId },
      headers: { 'idempotency-key': 'a-new-request' },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('slot_taken');
  });
});
