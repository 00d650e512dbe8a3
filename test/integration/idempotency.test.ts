import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app);
});
afterAll(() => app?.close());

async function freeSlotFor(token: string, studentId: string, skip = 0) {
  const teacherIds = school.students.find((s) => s.id === studentId)!.teacherIds;
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  return snap.body.slots.filter((s: SlotView) => teacherIds.includes(s.teacherId) && s.state === 'free')[skip]
    .id as string;
}

const count = async (sql: string, params: unknown[]) => (await app.db.query(sql, params)).rowCount;

describe('idempotency keys', () => {
  it('a retried hold returns the first answer and writes once', async () => {
    const token = await loginFamily(app, school, 0);
    const studentId = school.families[0]!.studentIds[0]!;
    const slotId = await freeSlotFor(token, studentId);
    const send = () =>
      app.api('POST', '/api/v1/holds', {
        token,
        body: { slotId, studentId },
        headers: { 'idempotency-key': 'retry-hold-0001' },
      });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await count('SELECT 1 FROM bookings WHERE slot_id = $1', [slotId])).toBe(1);
    expect(await count('SELECT 1 FROM booking_log WHERE slot_id = $1', [slotId])).toBe(1);
  });

  it('concurrent duplicates of one request write once and all get the same answer', async () => {
    const token = await loginFamily(app, school, 1);
    const studentId = school.families[1]!.studentIds[0]!;
    const slotId = await freeSlotFor(token, studentId);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.api('POST', '/api/v1/holds', {
          token,
          body: { slotId, studentId },
          headers: { 'idempotency-key': 'retry-hold-concurrent' },
        }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    // Duplicates that lose the slot lock are answered at once (nothing written); every
    // success is the same booking.
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((a) => a.body.id)).size).toBe(1);
    expect(await count(`SELECT 1 FROM bookings WHERE slot_id = $1`, [slotId])).toBe(1);
  });

  it('the same key with a different body is refused with 422 and changes nothing', async () => {
    const token = await loginFamily(app, school, 2);
    const studentId = school.families[2]!.studentIds[0]!;
    const a = await freeSlotFor(token, studentId, 0);
    const b = await freeSlotFor(token, studentId, 1);
    const first = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: a, studentId },
      headers: { 'idempotency-key': 'reused-key-0001' },
    });
    expect(first.status).toBe(200);
    const second = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: b, studentId },
      headers: { 'idempotency-key': 'reused-key-0001' },
    });
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('idempotency_mismatch');
    expect(await count('SELECT 1 FROM bookings WHERE slot_id = $1', [b])).toBe(0);
  });

  it('a refusal is replayed too: a retried confirm of a lapsed hold stays refused', async () => {
    const token = await loginFamily(app, school, 3);
    const send = () =>
      app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId },
        headers: { 'idempotency-key': 'confirm-nothing-1' },
      });
    const first = await send();
    expect(first.status).toBe(404);
    expect((await send()).body).toEqual(first.body);
  });

  it('socket commands honour the key the same way', async () => {
    const token = await loginFamily(app, school, 4);
    const studentId = school.families[4]!.studentIds[0]!;
    const slotId = await freeSlotFor(token, studentId);
    const socket = await app.socket(token);
    const first = await ask(socket, 'slot:hold', { slotId, studentId, idempotencyKey: 'socket-key-0001' });
    const again = await ask(socket, 'slot:hold', { slotId, studentId, idempotencyKey: 'socket-key-0001' });
    expect(first.ok).toBe(true);
    expect(again).toEqual(first);
    expect(await count('SELECT 1 FROM bookings WHERE slot_id = $1', [slotId])).toBe(1);
  });

  it('keys belong to their principal: another family using the same key is not replayed', async () => {
    const t5 = await loginFamily(app, school, 5);
    const t6 = await loginFamily(app, school, 6);
    const s5 = school.families[5]!.studentIds[0]!;
    const s6 = school.families[6]!.studentIds[0]!;
    const slot5 = await freeSlotFor(t5, s5);
    const slot6 = await freeSlotFor(t6, s6, 1);
    const r5 = await app.api('POST', '/api/v1/holds', {
      token: t5,
      body: { slotId: slot5, studentId: s5 },
      headers: { 'idempotency-key': 'shared-key-00001' },
    });
    const r6 = await app.api('POST', '/api/v1/holds', {
      token: t6,
      body: { slotId: slot6, studentId: s6 },
      headers: { 'idempotency-key': 'shared-key-00001' },
    });
    expect(r5.status).toBe(200);
    expect(r6.status).toBe(200);
    expect(r6.body.id).not.toBe(r5.body.id);
  });
});
