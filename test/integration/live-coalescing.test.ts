import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotFact } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bookOnBehalf, familyWithTeacher } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';

// A long window, so that "within one window" does not depend on how fast this machine is.
const WINDOW_MS = 600;

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({ LIVE_COALESCE_MS: String(WINDOW_MS) });
  school = await seedSmallSchool(app);
});
afterAll(() => app?.close());

/** Every `slot:facts` message a socket receives, as it arrived. */
function messages(socket: ClientSocket): { at: number; facts: SlotFact[] }[] {
  const got: { at: number; facts: SlotFact[] }[] = [];
  socket.on('slot:facts', (facts) => got.push({ at: Date.now(), facts }));
  return got;
}

describe('live facts are coalesced per screen', () => {
  it('a quiet screen gets a fact at once; a burst inside the window arrives as one message; names only to staff', async () => {
    const { family, studentId, teacherId } = familyWithTeacher(school, 0);
    const watcherIndex = school.families.findIndex(
      (f, i) =>
        i > 0 &&
        f.studentIds.some((sid) => school.students.find((s) => s.id === sid)!.teacherIds.includes(teacherId)),
    );
    expect(watcherIndex).toBeGreaterThan(0);
    const admin = await loginStaff(app, school.admin.email);
    const teacherEmail = school.teachers.find((t) => t.id === teacherId)!.email;

    const watcher = await app.socket(await loginFamily(app, school, watcherIndex));
    const joined = await ask(watcher, 'event:join', { eventId: school.eventId });
    expect(joined.ok).toBe(true);
    const teacher = await app.socket(await loginStaff(app, teacherEmail));
    const adminSocket = await app.socket(admin);
    await ask(adminSocket, 'event:join', { eventId: school.eventId });
    const watcherGot = messages(watcher);
    const teacherGot = messages(teacher);

    const free = (joined.data.slots as { id: string; teacherId: string; state: string }[]).filter(
      (s) => s.teacherId === teacherId && s.state === 'free',
    );
    expect(free.length).toBeGreaterThanOrEqual(6);

    // Quiet: one booking's facts (held, then booked) reach the screens promptly.
    const sentAt = Date.now();
    await bookOnBehalf(app, admin, school, free[0]!.id, family.id, studentId);
    await expect
      .poll(() => watcherGot.flatMap((m) => m.facts).filter((f) => f.kind === 'booked').length)
      .toBe(1);
    expect(watcherGot[0]!.at - sentAt).toBeLessThan(WINDOW_MS);
    const booked = watcherGot.flatMap((m) => m.facts).find((f) => f.kind === 'booked')!;
    expect(booked.slot).toMatchObject({ id: free[0]!.id, state: 'booked' });
    expect(booked.slot.occupant).toBeUndefined();
    await expect.poll(() => teacherGot.flatMap((m) => m.facts).some((f) => f.kind === 'booked')).toBe(true);
    const seenByTeacher = teacherGot.flatMap((m) => m.facts).find((f) => f.kind === 'booked')!;
    expect(seenByTeacher.slot.occupant).toMatchObject({ familyId: family.id, studentId });

    // A burst: four blocks at once, right after the last message. They wait for the
    // window and go out together (at most two messages, if the window closed mid-burst).
    const before = watcherGot.length;
    const blocks = await Promise.all(
      free
        .slice(1, 5)
        .map((s) =>
          ask(adminSocket, 'slot:block', { slotId: s.id, blocked: true, idempotencyKey: randomUUID() }),
        ),
    );
    expect(blocks.every((b) => b.ok)).toBe(true);
    await expect
      .poll(
        () =>
          watcherGot
            .slice(before)
            .flatMap((m) => m.facts)
            .filter((f) => f.reason === 'blocked').length,
      )
      .toBe(4);
    const burst = watcherGot.slice(before);
    expect(burst.length).toBeLessThanOrEqual(2);
    expect(Math.max(...burst.map((m) => m.facts.length))).toBeGreaterThanOrEqual(2);
    // Each message is at least a window after the one before it.
    for (let i = 1; i < watcherGot.length; i++)
      expect(watcherGot[i]!.at - watcherGot[i - 1]!.at).toBeGreaterThanOrEqual(WINDOW_MS - 50);
    // Within a message, a slot's facts keep their order (versions rise).
    for (const m of watcherGot) {
      const last = new Map<string, number>();
      for (const f of m.facts) {
        expect(f.version).toBeGreaterThan(last.get(f.slot.id) ?? 0);
        last.set(f.slot.id, f.version);
      }
    }
  });
});

describe('the per-instance message budget', () => {
  it('stretches the window so that an instance sends at most LIVE_MESSAGES_PER_SECOND', async () => {
    // No window, a budget of 5 messages a second, three screens: after a flush to the
    // three, the next may not come for 3 ÷ 5 s.
    const small = await startTestApp({ LIVE_COALESCE_MS: '0', LIVE_MESSAGES_PER_SECOND: '5' });
    try {
      const s = await seedSmallSchool(small, { code: 'BUDGET' });
      const admin = await small.socket(await loginStaff(small, s.admin.email));
      await ask(admin, 'event:join', { eventId: s.eventId });
      const { teacherId } = familyWithTeacher(s, 0);
      const screens = await Promise.all([0, 1].map(async () => small.socket(await loginFamily(small, s, 0))));
      const joined = await Promise.all(
        screens.map((sock) => ask(sock, 'event:join', { eventId: s.eventId })),
      );
      const got = screens.map((sock) => messages(sock));
      const free = (joined[0].data.slots as { id: string; teacherId: string; state: string }[]).filter(
        (x) => x.teacherId === teacherId && x.state === 'free',
      );
      const block = (slotId: string) =>
        ask(admin, 'slot:block', { slotId, blocked: true, idempotencyKey: randomUUID() });

      const sentAt = Date.now();
      expect((await block(free[0]!.id)).ok).toBe(true);
      await expect.poll(() => got.every((g) => g.length === 1)).toBe(true);
      expect(got[0]![0]!.at - sentAt).toBeLessThan(500);
      expect((await block(free[1]!.id)).ok).toBe(true);
      await expect.poll(() => got.every((g) => g.length === 2)).toBe(true);
      // Three sockets (two families' screens and the admin's) at five a second.
      for (const g of got) expect(g[1]!.at - g[0]!.at).toBeGreaterThanOrEqual(550);
    } finally {
      await small.close();
    }
  });
});
