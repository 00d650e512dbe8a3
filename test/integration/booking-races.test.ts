import { afterAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { Db } from '../../server/src/infra/db.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
import { startPrivateRedis } from '../support/private-redis.ts';
import { type ClientSocket, startTestApp, type TestApp } from '../support/test-app.ts';

const manyLogins = { LOGIN_ATTEMPTS_PER_ADDRESS: '100000' };
const apps: TestApp[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

/** What the database holds that it never should, checked by SQL independent of the constraints. */
async function violations(db: Db) {
  const active = `status IN ('held', 'confirmed')`;
  const doubleSlots = await db.query(
    `SELECT slot_id FROM bookings WHERE ${active} GROUP BY slot_id HAVING count(*) > 1`,
  );
  const familyClashOrGap = await db.query(
    `SELECT a.id FROM bookings a
       JOIN bookings b ON a.family_id = b.family_id AND a.id < b.id AND b.${active}
       JOIN events e ON e.id = a.event_id
      WHERE a.${active}
        AND a.starts_at < b.ends_at + make_interval(mins => e.gap_minutes)
        AND b.starts_at < a.ends_at + make_interval(mins => e.gap_minutes)`,
  );
  const childClash = await db.query(
    `SELECT a.id FROM bookings a
       JOIN bookings b ON a.student_id = b.student_id AND a.id < b.id AND b.${active}
      WHERE a.${active} AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at`,
  );
  return {
    doubleSlots: doubleSlots.rowCount,
    familyClashOrGap: familyClashOrGap.rowCount,
    childClash: childClash.rowCount,
  };
}

describe('200 families race for one slot over sockets', () => {
  it('lets exactly one win, answers 199 slot_taken, and every screen ends on the same version', async () => {
    const app = await startTestApp(manyLogins);
    apps.push(app);
    const school = await seedSmallSchool(app, {
      code: 'RACE',
      teachers: 1,
      families: 200,
      teachersPerStudent: 1,
      siblingShare: 0,
    });
    const tokens = await Promise.all(school.families.map((_, i) => loginFamily(app, school, i)));
    const sockets: ClientSocket[] = [];
    for (let i = 0; i < tokens.length; i += 50) {
      sockets.push(...(await Promise.all(tokens.slice(i, i + 50).map((t) => app.socket(t)))));
    }
    // What each screen shows of the contested slot: its state and version.
    const shown = new Map<ClientSocket, { state: string; version: number }>();
    const joins = await Promise.all(sockets.map((s) => ask(s, 'event:join', { eventId: school.eventId })));
    const target = joins[0].data.slots[0].id as string;
    sockets.forEach((s, i) => {
      const snap = joins[i].data.slots.find((x: { id: string }) => x.id === target);
      shown.set(s, { state: snap.state, version: snap.version });
      onSlotFact(s, (fact) => {
        // The screen's rule: apply a fact only if it is newer than what the slot shows.
        if (fact.slot.id === target && fact.version > shown.get(s)!.version)
          shown.set(s, { state: fact.slot.state, version: fact.version });
      });
    });

    const answers = await Promise.all(
      sockets.map((s, i) =>
        ask(s, 'slot:hold', {
          slotId: target,
          studentId: school.families[i]!.studentIds[0],
          idempotencyKey: `race-${i}-${target}`,
        }),
      ),
    );
    const winners = answers.filter((a) => a.ok);
    const codes = answers.filter((a) => !a.ok).map((a) => a.error.code);
    expect(winners).toHaveLength(1);
    expect(codes).toHaveLength(199);
    expect(new Set(codes)).toEqual(new Set(['slot_taken']));

    const { rows } = await app.db.query(
      `SELECT count(*)::int AS n FROM bookings WHERE slot_id = $1 AND status IN ('held', 'confirmed')`,
      [target],
    );
    expect(rows[0].n).toBe(1);
    const { rows: sl } = await app.db.query('SELECT version FROM slots WHERE id = $1', [target]);
    expect(sl[0].version).toBeGreaterThan(0);
    await expect
      .poll(
        () =>
          [...shown.values()].filter((v) => v.version === Number(sl[0].version) && v.state === 'held').length,
        { timeout: 10_000 },
      )
      .toBe(200);
  });
});

interface StormOutcome {
  held: number;
  confirmed: number;
  refusals: Record<string, number>;
  wrongAnswers: number;
}

/**
 * 100 families each try to hold two slots per child among 20, all at once, then
 * confirm. Overlapping choices, siblings and a 5-minute gap make every refusal
 * kind happen. Returns what the families were told; the database is checked after.
 */
async function storm(app: TestApp, school: SeededSchool, midway?: () => void): Promise<StormOutcome> {
  const tokens = await Promise.all(school.families.map((_, i) => loginFamily(app, school, i)));
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: tokens[0] });
  const slots = snap.body.slots as { id: string; teacherId: string }[];
  expect(slots).toHaveLength(20);
  const refusals: Record<string, number> = {};
  const heldIds: string[] = [];
  let n = 0;
  const attempts = school.families.flatMap((f, i) =>
    f.studentIds.flatMap((studentId, k) => {
      const mine = school.students.find((s) => s.id === studentId)!.teacherIds;
      const options = slots.filter((s) => mine.includes(s.teacherId));
      return [0, 1].map((j) => async () => {
        const slot = options[(i * 7 + k * 3 + j * 11) % options.length]!;
        const res = await app.api('POST', '/api/v1/holds', {
          token: tokens[i],
          body: { slotId: slot.id, studentId },
          headers: { 'idempotency-key': `storm-${i}-${k}-${j}` },
        });
        // Redis dies once a third of the attempts have been answered, the rest in flight.
        if (++n === 100) midway?.();
        if (res.status === 200) heldIds.push(res.body.id);
        else refusals[res.body.error.code] = (refusals[res.body.error.code] ?? 0) + 1;
      });
    }),
  );
  await Promise.all(attempts.map((a) => a()));
  const confirmedIds: string[] = [];
  await Promise.all(
    tokens.map(async (token, i) => {
      // As a client does: a busy answer (503 + Retry-After) is asked again, same key.
      let res = await app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId },
        headers: { 'idempotency-key': `storm-confirm-${i}` },
      });
      for (let retry = 0; retry < 5 && res.status === 503; retry++) {
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
        res = await app.api('POST', '/api/v1/holds/confirm', {
          token,
          body: { eventId: school.eventId },
          headers: { 'idempotency-key': `storm-confirm-${i}` },
        });
      }
      if (res.status === 200) confirmedIds.push(...res.body.bookings.map((b: { id: string }) => b.id));
      else refusals[`confirm:${res.body.error.code}`] = (refusals[`confirm:${res.body.error.code}`] ?? 0) + 1;
    }),
  );
  // A wrong answer: told "held" or "confirmed" when the database holds something else.
  const { rows } = await app.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM bookings WHERE id = ANY($1::uuid[])',
    [[...heldIds, ...confirmedIds]],
  );
  const status = new Map(rows.map((r) => [r.id, r.status]));
  const wrongAnswers =
    heldIds.filter((id) => !status.has(id)).length +
    confirmedIds.filter((id) => status.get(id) !== 'confirmed').length;
  if (process.env.CONFER_TEST_VERBOSE)
    console.log(school.schoolCode, { held: heldIds.length, confirmed: confirmedIds.length, refusals });
  return { held: heldIds.length, confirmed: confirmedIds.length, refusals, wrongAnswers };
}

const stormSchool = {
  teachers: 4,
  families: 100,
  teachersPerStudent: 4,
  siblingShare: 0.5,
  gapMinutes: 5,
  maxPerStudent: 4,
  from: '16:00',
  to: '16:25',
};

describe('100 families storm 20 slots', () => {
  it('with the Redis lock: no double booking, no clash, no gap violation', async () => {
    const app = await startTestApp(manyLogins);
    apps.push(app);
    const school = await seedSmallSchool(app, { code: 'STORMA', ...stormSchool });
    const out = await storm(app, school);
    expect(out.held).toBeGreaterThan(0);
    expect(out.confirmed).toBeGreaterThan(0);
    expect(out.refusals.slot_taken).toBeGreaterThan(0);
    expect(out.wrongAnswers).toBe(0);
    expect(await violations(app.db)).toEqual({ doubleSlots: 0, familyClashOrGap: 0, childClash: 0 });
  });

  it('with the Redis lock switched off: the constraints alone still decide', async () => {
    const app = await startTestApp({ ...manyLogins, SLOT_LOCK_ENABLED: 'false' });
    apps.push(app);
    const school = await seedSmallSchool(app, { code: 'STORMB', ...stormSchool });
    const out = await storm(app, school);
    expect(out.held).toBeGreaterThan(0);
    expect(out.wrongAnswers).toBe(0);
    expect(await violations(app.db)).toEqual({ doubleSlots: 0, familyClashOrGap: 0, childClash: 0 });
  });

  it('with Redis killed mid-run: errors are allowed, wrong answers are not', async () => {
    const redis = await startPrivateRedis();
    const app = await startTestApp({ ...manyLogins, REDIS_URL: redis.url });
    apps.push(app);
    const school = await seedSmallSchool(app, { code: 'STORMC', ...stormSchool });
    let killed = false;
    const out = await storm(app, school, () => {
      redis.kill();
      killed = true;
    });
    expect(killed).toBe(true);
    expect(out.held).toBeGreaterThan(0);
    expect(out.wrongAnswers).toBe(0);
    // Every refusal is a closed code, never a crash.
    for (const code of Object.keys(out.refusals)) {
      expect(code.replace(/^confirm:/, '')).toMatch(
        /^(slot_taken|clash|gap|cap_reached|hold_expired|not_found|unavailable)$/,
      );
    }
    expect(await violations(app.db)).toEqual({ doubleSlots: 0, familyClashOrGap: 0, childClash: 0 });
    const health = await app.api('GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ postgres: true, redis: false });
  });
});
