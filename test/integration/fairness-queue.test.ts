import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
  // One family books at a time.
  await app.db.query('UPDATE events SET queue_limit = 1 WHERE id = $1', [school.eventId]);
});
afterAll(() => app?.close());

function freeSlotFor(
  familyIndex: number,
  slots: { id: string; teacherId: string; state: string }[],
  skip = 0,
) {
  const kid = school.students.find((s) => s.id === school.families[familyIndex]!.studentIds[0])!;
  return {
    slot: slots.filter((s) => kid.teacherIds.includes(s.teacherId) && s.state === 'free')[skip]!,
    kid,
  };
}

describe('the virtual queue is enforced by the server', () => {
  it('refuses holds of a family still in line, and lets it book once it is let in', async () => {
    const a = await loginFamily(app, school, 0);
    const b = await loginFamily(app, school, 1);
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: a });
    const slots = snap.body.slots;

    const joinA = await app.api('POST', `/api/v1/events/${school.eventId}/queue`, { token: a });
    const joinB = await app.api('POST', `/api/v1/events/${school.eventId}/queue`, { token: b });
    expect(joinA.body).toMatchObject({ admitted: true });
    expect(joinB.body).toMatchObject({ admitted: false, position: 1 });

    const forB = freeSlotFor(1, slots);
    const refused = await app.api('POST', '/api/v1/holds', {
      token: b,
      body: { slotId: forB.slot.id, studentId: forB.kid.id },
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const overSocket = await ask(await app.socket(b), 'slot:hold', {
      slotId: forB.slot.id,
      studentId: forB.kid.id,
      idempotencyKey: 'queued-hold-1',
    });
    expect(overSocket).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const { rowCount } = await app.db.query('SELECT 1 FROM bookings WHERE family_id = $1', [
      school.families[1]!.id,
    ]);
    expect(rowCount).toBe(0);

    const forA = freeSlotFor(0, slots, 1);
    const held = await app.api('POST', '/api/v1/holds', {
      token: a,
      body: { slotId: forA.slot.id, studentId: forA.kid.id },
    });
    expect(held.status).toBe(200);

    // A is done and leaves the line; B is let in and can book.
    await app.api('DELETE', `/api/v1/events/${school.eventId}/queue`, { token: a });
    const again = await app.api('POST', `/api/v1/events/${school.eventId}/queue`, { token: b });
    expect(again.body).toMatchObject({ admitted: true });
    const ok = await app.api('POST', '/api/v1/holds', {
      token: b,
      body: { slotId: forB.slot.id, studentId: forB.kid.id },
    });
    expect(ok.status).toBe(200);
  });
});
