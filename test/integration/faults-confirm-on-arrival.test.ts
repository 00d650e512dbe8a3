import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import { confirmOnce } from '../../server/src/features/booking/booking-statements.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// In a fault run two on-time confirmations were answered hold_expired
// because they waited for a database connection past their hold.
let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  // One connection, and a connect time-out longer than the wait below.
  app = await startTestApp({ DATABASE_POOL_SIZE: '1', DATABASE_CONNECT_TIMEOUT_MS: '5000' });
  school = await seedSmallSchool(app);
});
afterAll(() => app?.close());

describe('a confirmation that waits for a connection past its hold', () => {
  it('is confirmed when the hold was live on arrival', async () => {
    const fam = school.families[0]!;
    const token = await loginFamily(app, school, 0);
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const av = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    const slot = av.body.slots.find((s: SlotView) => s.teacherId === teacherId && s.state === 'free');
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    expect(held.status).toBe(200);
    await app.db.query(`UPDATE bookings SET expires_at = now() + interval '1 second' WHERE id = $1`, [
      held.body.id,
    ]);

    // The pool's only connection is busy for two seconds: the hold lapses meanwhile.
    const busy = await app.db.connect();
    const arrivedAt = new Date();
    const confirming = confirmOnce(
      app.db,
      {
        eventId: school.eventId,
        familyId: fam.id,
        schoolId: school.schoolId,
        byStaff: false,
        holdIds: [held.body.id],
        actor: { kind: 'family', id: fam.id },
        arrivedAt,
      },
      null,
    );
    await new Promise((r) => setTimeout(r, 2000));
    busy.release();
    const { result } = await confirming;
    expect(result).toMatchObject({ ok: true });
    const { rows } = await app.db.query(
      'SELECT status, expires_at < now() AS lapsed FROM bookings WHERE id = $1',
      [held.body.id],
    );
    expect(rows[0]).toEqual({ status: 'confirmed', lapsed: null });
  });

  it('is still refused when the hold had lapsed before it arrived', async () => {
    const fam = school.families[1]!;
    const token = await loginFamily(app, school, 1);
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const av = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
    const slot = av.body.slots.find((s: SlotView) => s.teacherId === teacherId && s.state === 'free');
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    expect(held.status).toBe(200);
    await app.db.query(`UPDATE bookings SET expires_at = now() - interval '10 seconds' WHERE id = $1`, [
      held.body.id,
    ]);
    const { result } = await confirmOnce(
      app.db,
      {
        eventId: school.eventId,
        familyId: fam.id,
        schoolId: school.schoolId,
        byStaff: false,
        holdIds: [held.body.id],
        actor: { kind: 'family', id: fam.id },
        // A claimed arrival long ago counts for no more than five seconds.
        arrivedAt: new Date(Date.now() - 60_000),
      },
      null,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'hold_expired' } });
  });
});
