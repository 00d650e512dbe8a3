import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function slotsOf(token: string) {
  const res = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  expect(res.status).toBe(200);
  return res.body as {
    version: number;
    slots: { id: string; teacherId: string; state: string; startsAt: string }[];
  };
}

describe('hold, confirm, cancel over HTTP with live facts over sockets', () => {
  it('holds a slot, confirms it, and another family sees each step with consecutive versions', async () => {
    const fam = school.families[0]!;
    const token = await loginFamily(app, school, 0);
    const watcherToken = await loginFamily(app, school, 1);
    const watcher = await app.socket(watcherToken);
    const joined = await ask(watcher, 'event:join', { eventId: school.eventId });
    expect(joined.ok).toBe(true);
    const startVersion = joined.data.version as number;
    const facts: any[] = [];
    watcher.on('slot:held', (f) => facts.push(f));
    watcher.on('slot:booked', (f) => facts.push(f));
    watcher.on('slot:released', (f) => facts.push(f));

    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const snap = await slotsOf(token);
    const slot = snap.slots.find((s) => s.teacherId === teacherId && s.state === 'free')!;

    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    expect(held.status).toBe(200);
    expect(held.body.status).toBe('held');
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.bookings.map((b: any) => b.status)).toEqual(['confirmed']);
    const cancelled = await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    await expect.poll(() => facts.length).toBe(3);
    expect(facts.map((f) => [f.kind, f.slot.state, f.version])).toEqual([
      ['held', 'held', startVersion + 1],
      ['booked', 'booked', startVersion + 2],
      ['released', 'free', startVersion + 3],
    ]);
    // Families never see who is in a slot.
    expect(facts.every((f) => f.slot.occupant === undefined)).toBe(true);

    const log = await app.db.query(
      'SELECT action, actor_kind FROM booking_log WHERE slot_id = $1 ORDER BY version',
      [slot.id],
    );
    expect(log.rows).toEqual([
      { action: 'held', actor_kind: 'family' },
      { action: 'confirmed', actor_kind: 'family' },
      { action: 'cancelled', actor_kind: 'family' },
    ]);
  });
});
