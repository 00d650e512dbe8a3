import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

// One database connection, no admission limits: the test takes the connection itself
// to make every write queue, as on opening night.
let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({ DATABASE_POOL_SIZE: '1', ADMISSION_RATE: '0', ADMISSION_MAX_WAITING: '0' });
  school = await seedSmallSchool(app);
});
afterAll(() => app?.close());

const settle = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then((v) => ({ done: true as const, v })),
    new Promise<{ done: false }>((r) => setTimeout(() => r({ done: false }), ms)),
  ]);

describe('holds for slots the instance knows are taken', () => {
  it('are refused at once while writes queue for the database; the holder and a free database still go through it', async () => {
    // Two families whose children share a teacher.
    const a = school.families[0]!;
    const aKid = school.students.find((s) => s.id === a.studentIds[0])!;
    const bIndex = school.families.findIndex(
      (f, i) =>
        i > 0 &&
        f.studentIds.some((sid) =>
          school.students.find((s) => s.id === sid)!.teacherIds.some((t) => aKid.teacherIds.includes(t)),
        ),
    );
    const b = school.families[bIndex]!;
    const bKid = school.students.find(
      (s) => b.studentIds.includes(s.id) && s.teacherIds.some((t) => aKid.teacherIds.includes(t)),
    )!;
    const teacherId = bKid.teacherIds.find((t) => aKid.teacherIds.includes(t))!;
    const tokenA = await loginFamily(app, school, 0);
    const tokenB = await loginFamily(app, school, bIndex);
    const watcher = await app.socket(tokenB);
    const joined = await ask(watcher, 'event:join', { eventId: school.eventId });
    const [slot, other] = (joined.data.slots as { id: string; teacherId: string; state: string }[]).filter(
      (s) => s.teacherId === teacherId && s.state === 'free',
    );
    const seen: string[] = [];
    onSlotFact(watcher, (f) => seen.push(`${f.slot.id} ${f.slot.state}`));

    const held = await app.api('POST', '/api/v1/holds', {
      token: tokenA,
      body: { slotId: slot!.id, studentId: aKid.id },
    });
    expect(held.status).toBe(200);
    await expect.poll(() => seen).toContain(`${slot!.id} held`);

    const connection = await app.db.connect();
    let released = false;
    try {
      // B's hold for the slot A holds: answered without the database.
      const refused = await settle(
        app.api('POST', '/api/v1/holds', { token: tokenB, body: { slotId: slot!.id, studentId: bKid.id } }),
        3000,
      );
      expect(refused.done).toBe(true);
      if (refused.done) {
        expect(refused.v.status).toBe(409);
        expect(refused.v.body.error.code).toBe('slot_taken');
      }
      // A free slot, and A's own slot (a repeat must be answered from its key), wait for the database.
      const free = app.api('POST', '/api/v1/holds', {
        token: tokenB,
        body: { slotId: other!.id, studentId: bKid.id },
      });
      const again = app.api('POST', '/api/v1/holds', {
        token: tokenA,
        body: { slotId: slot!.id, studentId: aKid.id },
      });
      expect((await settle(free, 500)).done).toBe(false);
      expect((await settle(again, 10)).done).toBe(false);
      connection.release();
      released = true;
      expect((await free).status).toBe(200);
      // A already holds it: the database refuses the second hold (this slot, or this teacher twice).
      const repeat = await again;
      expect(repeat.status).toBe(409);
      expect(['slot_taken', 'clash']).toContain(repeat.body.error.code);
    } finally {
      if (!released) connection.release();
    }
    const { rows } = await app.db.query(
      `SELECT slot_id, family_id FROM bookings WHERE slot_id = ANY($1::uuid[]) AND status = 'held' ORDER BY slot_id`,
      [[slot!.id, other!.id]],
    );
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.slot_id === slot!.id)!.family_id).toBe(a.id);

    // With connections free, the database answers, with its own order of refusals.
    const direct = await app.api('POST', '/api/v1/holds', {
      token: tokenB,
      body: { slotId: slot!.id, studentId: bKid.id },
    });
    expect(direct.status).toBe(409);
    expect(direct.body.error.code).toBe('slot_taken');
  });
});
