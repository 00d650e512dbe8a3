import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';

// Three Confer instances on port 0 sharing one database and one Redis prefix, as
// several replicas behind a load balancer would.
let apps: TestApp[];
let school: SeededSchool;

beforeAll(async () => {
  const first = await startTestApp();
  const shared = { database: first.database, prefix: first.config.REDIS_PREFIX };
  apps = [first, await startTestApp({}, shared), await startTestApp({}, shared)];
  // Eight teachers, two per child: some families share a teacher, others do not.
  school = await seedSmallSchool(first, { teachers: 8, teachersPerStudent: 2, families: 24 });
});
afterAll(async () => {
  // The first instance created the database and drops it: close it last.
  for (const app of [...(apps ?? [])].reverse()) await app.close();
});

const teachersOfFamily = (i: number) =>
  new Set(
    school.families[i]!.studentIds.flatMap((id) => school.students.find((s) => s.id === id)!.teacherIds),
  );

function collect(socket: ClientSocket) {
  const facts: any[] = [];
  onSlotFact(socket, (f) => facts.push(f));
  return facts;
}

async function freeSlotOf(teacherId: string) {
  const { rows } = await apps[0]!.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.staff_id = $1 AND s.event_id = $2
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('held', 'confirmed'))
      ORDER BY s.starts_at LIMIT 1`,
    [teacherId, school.eventId],
  );
  return rows[0]!.id;
}

describe('several instances sharing Redis', () => {
  it('a hold made through instance 1 reaches the interested screens on instances 2 and 3, and only them', async () => {
    const actor = 0;
    const studentId = school.families[actor]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const others = school.families.map((_, i) => i).filter((i) => i !== actor);
    const interested = others.find((i) => teachersOfFamily(i).has(teacherId))!;
    const uninterested = others.find((i) => !teachersOfFamily(i).has(teacherId))!;
    expect(interested).toBeDefined();
    expect(uninterested).toBeDefined();

    const [a, b, c] = apps as [TestApp, TestApp, TestApp];
    const watcher = await b.socket(await loginFamily(b, school, interested));
    const bystander = await c.socket(await loginFamily(c, school, uninterested));
    const ownFamily = await c.socket(await loginFamily(c, school, actor));
    const teacherIndex = school.teachers.findIndex((t) => t.id === teacherId);
    const teacher = await c.socket(await loginStaff(c, school.teachers[teacherIndex]!.email));
    const admin = await b.socket(await loginStaff(b, school.admin.email));
    const joins = await Promise.all(
      [watcher, bystander, ownFamily, admin].map((s) => ask(s, 'event:join', { eventId: school.eventId })),
    );
    expect(joins.every((j) => j.ok)).toBe(true);
    const start = joins[0].data.version as number;
    // A family's snapshot holds the slots it may book: those of its children's teachers.
    expect(new Set(joins[0].data.slots.map((s: SlotView) => s.teacherId))).toEqual(
      teachersOfFamily(interested),
    );

    const [seen, unseen, own, teacherSaw, adminSaw] = [watcher, bystander, ownFamily, teacher, admin].map(
      collect,
    ) as [any[], any[], any[], any[], any[]];
    const itinerary: any[] = [];
    ownFamily.on('itinerary:changed', (p) => itinerary.push(p));

    const slotId = await freeSlotOf(teacherId);
    const token = await loginFamily(a, school, actor);
    const held = await a.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
    expect(held.status).toBe(200);

    await expect
      .poll(() => [seen.length, own.length, teacherSaw.length, adminSaw.length])
      .toEqual([1, 1, 1, 1]);
    await expect.poll(() => itinerary.length).toBe(1);
    expect(seen[0]).toMatchObject({ kind: 'held', slot: { id: slotId, state: 'held' } });
    expect(seen[0].version).toBeGreaterThan(start);
    expect(seen[0].slot.version).toBe(seen[0].version);
    expect(seen[0].slot.occupant).toBeUndefined();
    expect(typeof seen[0].publishedAt).toBe('number');
    expect(teacherSaw[0].slot.occupant).toMatchObject({ studentId, status: 'held' });
    expect(adminSaw[0].slot.occupant).toMatchObject({ studentId });
    // The bystander's children do not have this teacher: nothing reaches its screen. It is on
    // instance 3 with the actor's own screen, which has the fact: an instance sends a fact to
    // all its screens in one flush, and one socket's messages arrive in order, so once the
    // bystander's own round trip is answered nothing of that flush is still on its way to it.
    expect((await ask(bystander, 'event:join', { eventId: school.eventId })).ok).toBe(true);
    expect(unseen).toEqual([]);
  });

  it('a race for one slot across all three instances has exactly one winner', async () => {
    const teacherId = school.teachers[3]!.id;
    const contenders = school.families
      .map((f, i) => ({
        i,
        studentId: f.studentIds.find((id) =>
          school.students.find((s) => s.id === id)!.teacherIds.includes(teacherId),
        ),
      }))
      .filter((c): c is { i: number; studentId: string } => c.studentId !== undefined)
      .slice(0, 9);
    expect(contenders.length).toBeGreaterThanOrEqual(3);
    const sockets = await Promise.all(
      contenders.map(async (c, k) => {
        const app = apps[k % 3]!;
        return app.socket(await loginFamily(app, school, c.i));
      }),
    );
    await Promise.all(sockets.map((s) => ask(s, 'event:join', { eventId: school.eventId })));
    const facts = sockets.map(collect);
    const slotId = await freeSlotOf(teacherId);

    const answers = await Promise.all(
      sockets.map((s, k) =>
        ask(s, 'slot:hold', {
          slotId,
          studentId: contenders[k]!.studentId,
          idempotencyKey: `race-${k}-${slotId}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok).map((a) => a.error.code)).toEqual(
      Array(contenders.length - 1).fill('slot_taken'),
    );
    const { rows } = await apps[0]!.db.query(
      `SELECT family_id FROM bookings WHERE slot_id = $1 AND status IN ('held', 'confirmed')`,
      [slotId],
    );
    expect(rows).toHaveLength(1);
    // Every contender, on whichever instance, sees the one winning hold.
    await expect
      .poll(() => facts.map((f) => f.filter((x) => x.slot.id === slotId).length))
      .toEqual(Array(contenders.length).fill(1));
  });
});
