import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotSync } from '../../client/src/lib/slot-sync.ts';
import type { SlotFact } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';
import { startTestWorkers } from './workers-harness.ts';

// Finding 4 of issue 12: a commit made by an instance that died before it published
// was announced by nobody, and screens showed the slot free for 7–17 s. The facts are
// written to the outbox in the commit's own transaction; the workers' relay announces
// what nobody announced. Instance `a` commits, instance `b` serves the screen, as two
// replicas behind a load balancer would (one database, one Redis prefix).
let a: TestApp;
let b: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let redis: PrivateRedis;
// Short so the test does not wait a second per round; the production default is 1 s.
const GRACE_MS = 300;
// Rejections nobody handled, in this process (the relay runs here): a relay that
// cannot reach Redis must fail its round quietly, not leave promises rejected.
const unhandled: unknown[] = [];
const noteUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', noteUnhandled);
  // A Redis of this file's own: the last test stops it.
  redis = await startPrivateRedis();
  // Holds must not need Redis for the last test: no admission bucket, no slot lock.
  const env = {
    REDIS_URL: redis.url,
    ADMISSION_RATE: '0',
    ADMISSION_MAX_WAITING: '0',
    SLOT_LOCK_ENABLED: 'false',
  };
  a = await startTestApp(env);
  b = await startTestApp(env, { database: a.database, prefix: a.config.REDIS_PREFIX });
  school = await seedSmallSchool(a);
  workers = await startTestWorkers(a, {
    only: ['email'],
    env: { OUTBOX_POLL_MS: 100, OUTBOX_FACT_GRACE_MS: GRACE_MS },
  });
});
afterAll(async () => {
  // Each bounded: in the whole suite one of these closes once waited past the hook's
  // 60 s after the Redis restart (not seen alone); what this file asserts is done by then.
  const within = (work: Promise<unknown> | undefined) =>
    Promise.race([work?.catch(() => {}), new Promise((r) => setTimeout(r, 15_000))]);
  await within(workers?.close());
  await within(b?.close());
  // `a` created the database and drops it: closed last.
  await within(a?.close());
  redis?.kill();
  process.off('unhandledRejection', noteUnhandled);
});

async function freeSlotOf(teacherId: string, skip: string[] = []): Promise<string> {
  const { rows } = await a.db.query<{ id: string }>(
    `SELECT s.id FROM slots s WHERE s.staff_id = $1 AND s.event_id = $2 AND NOT (s.id = ANY ($3::uuid[]))
        AND NOT EXISTS (SELECT 1 FROM bookings bk WHERE bk.slot_id = s.id
                          AND bk.status IN ('held', 'confirmed'))
      ORDER BY s.starts_at LIMIT 1`,
    [teacherId, school.eventId, skip],
  );
  return rows[0]!.id;
}

async function slotVersion(slotId: string): Promise<number> {
  const { rows } = await a.db.query<{ version: string }>('SELECT version FROM slots WHERE id = $1', [slotId]);
  return Number(rows[0]!.version);
}

/** A family's screen on instance `b`, joined to the event, recording every slot fact. */
async function screenOn(
  app: TestApp,
  familyIndex: number,
): Promise<{ socket: ClientSocket; facts: SlotFact[] }> {
  const socket = await app.socket(await loginFamily(app, school, familyIndex));
  const joined = await ask(socket, 'event:join', { eventId: school.eventId });
  expect(joined.ok).toBe(true);
  const facts: SlotFact[] = [];
  onSlotFact(socket, (f) => facts.push(f));
  return { socket, facts };
}

const outboxFactRows = async () =>
  (await a.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'facts'`)).rows[0]!.n;

describe('facts of a commit survive the instance that committed it', () => {
  it('a hold whose instance never published is announced by the relay to screens on another instance', async () => {
    const actor = 0;
    const studentId = school.families[actor]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const screen = await screenOn(b, actor);
    const token = await loginFamily(a, school, actor);

    // Instance `a` commits and then says nothing, as one SIGKILLed right after its
    // COMMIT would: its publisher drops every fact.
    const publish = a.confer.publisher.publish;
    a.confer.publisher.publish = () => {};
    let slotId: string;
    try {
      slotId = await freeSlotOf(teacherId);
      const held = await a.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
      expect(held.status).toBe(200);
    } finally {
      a.confer.publisher.publish = publish;
    }
    const version = await slotVersion(slotId);

    // Announced within a few seconds (grace 0.3 s + a poll), not never.
    await expect
      .poll(() => screen.facts.filter((f) => f.slot.id === slotId), { timeout: 5000, interval: 50 })
      .toHaveLength(1);
    const fact = screen.facts.find((f) => f.slot.id === slotId)!;
    expect(fact).toMatchObject({ kind: 'held', version, slot: { id: slotId, state: 'held', version } });
    await expect.poll(outboxFactRows, { timeout: 5000, interval: 50 }).toBe(0);
  }, 30_000);

  it('a fact the committing instance published is not announced a second time by the relay', async () => {
    const actor = 1;
    const studentId = school.families[actor]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const screen = await screenOn(b, actor);
    const token = await loginFamily(a, school, actor);

    const slotId = await freeSlotOf(teacherId);
    const held = await a.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
    expect(held.status).toBe(200);
    const version = await slotVersion(slotId);
    await expect
      .poll(() => screen.facts.filter((f) => f.slot.id === slotId), { timeout: 5000, interval: 50 })
      .toHaveLength(1);

    // The relay has looked at the row (it is gone) and stayed silent about it.
    await expect.poll(outboxFactRows, { timeout: 5000, interval: 50 }).toBe(0);
    await new Promise((r) => setTimeout(r, GRACE_MS + 500));
    expect(screen.facts.filter((f) => f.slot.id === slotId).map((f) => f.version)).toEqual([version]);

    // Were it sent twice (a relay whose subscriber missed the PUBLISH), the screen
    // would ignore the copy: the client applies facts by slot version.
    const shown: string[] = [];
    const sync = new SlotSync((slot) => shown.push(slot.state));
    const first = screen.facts.find((f) => f.slot.id === slotId)!;
    expect(sync.receive(first)).toBe(true);
    expect(sync.receive(first)).toBe(false);
    expect(shown).toEqual(['held']);
  }, 30_000);

  it('facts nobody could publish while Redis was down go out when it is back, and the relay rounds in between reject nothing unhandled', async () => {
    const actor = 2;
    const studentId = school.families[actor]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const screen = await screenOn(b, actor);
    const token = await loginFamily(a, school, actor);
    const slotId = await freeSlotOf(teacherId);

    redis.kill();
    await new Promise((r) => setTimeout(r, 300));
    const held = await a.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
    expect(held.status).toBe(200);
    const version = await slotVersion(slotId);
    // Many relay rounds find the row due and fail to announce it (their itinerary
    // notice included); the row stays.
    await new Promise((r) => setTimeout(r, GRACE_MS + 2000));
    expect(await outboxFactRows()).toBeGreaterThan(0);
    expect(unhandled.map(String)).toEqual([]);

    const resyncs: unknown[] = [];
    screen.socket.on('event:resync', (p) => resyncs.push(p));
    await redis.restart();
    // Not "within a few seconds" here: the clients' own recovery after a Redis restart
    // took 15–40 s under load (reported with issue 12); what this asserts is that the
    // fact is not lost. The screen learns it one of two ways: the relay's fact, or —
    // when the relay published before instance b's subscriber had resubscribed (the
    // PUBLISH then reaches nobody; seen once in CI) — b's "take a fresh snapshot",
    // whose snapshot shows the hold.
    const heard = () => screen.facts.some((f) => f.slot.id === slotId && f.version === version);
    await expect.poll(() => heard() || resyncs.length > 0, { timeout: 60_000, interval: 100 }).toBe(true);
    if (!heard()) {
      expect(resyncs).toContainEqual({ reason: 'redis_reconnected' });
      const snapshot = await ask(screen.socket, 'event:join', { eventId: school.eventId });
      expect(snapshot.data.slots.find((s: { id: string }) => s.id === slotId)).toMatchObject({
        state: 'held',
        version,
      });
    }
    await expect.poll(outboxFactRows, { timeout: 10_000, interval: 100 }).toBe(0);
    expect(unhandled.map(String)).toEqual([]);
  }, 100_000);
});
