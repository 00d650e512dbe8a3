import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { familyWithTeacher } from '../support/admin-fixtures.ts';
import { ask, loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

async function firstFreeSlot(app: TestApp, school: SeededSchool, teacherId: string): Promise<string> {
  const { rows } = await app.db.query<{ id: string }>(
    `SELECT s.id FROM slots s
      WHERE s.event_id = $1 AND s.staff_id = $2 AND NOT s.blocked
        AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.slot_id = s.id AND b.status IN ('held', 'confirmed'))
      ORDER BY s.starts_at LIMIT 1`,
    [school.eventId, teacherId],
  );
  return rows[0]!.id;
}

/** A hold that is let go at once, so the next one is a fresh, valid write again. */
async function holdAndRelease(app: TestApp, token: string, slotId: string, studentId: string) {
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
  if (held.status === 200) {
    const released = await app.api('DELETE', `/api/v1/holds/${held.body.id}`, { token });
    expect(released.status).toBe(200);
  }
  return held;
}

describe('the event bucket is not spent by confirmations that cannot succeed', () => {
  // A scaled-down evening: two writes at once, then two a second. The family share
  // and the socket cap are off here, so only the refusal before the bucket is tested.
  let app: TestApp;
  let school: SeededSchool;
  beforeAll(async () => {
    app = await startTestApp({
      ADMISSION_RATE: '2',
      ADMISSION_BURST: '2',
      ADMISSION_FAMILY_RATE: '0',
      SOCKET_COMMAND_RATE: '100000',
      SOCKET_COMMAND_BURST: '100000',
    });
    school = await seedSmallSchool(app, { code: 'FAIR' });
  });
  afterAll(() => app?.close());

  it("one family streaming empty confirmations does not get another family's holds refused as busy", async () => {
    const streamer = await app.socket(await loginFamily(app, school, 0));
    const { studentId, teacherId } = familyWithTeacher(school, 1);
    const other = await loginFamily(app, school, 1);
    const slotId = await firstFreeSlot(app, school, teacherId);

    let streaming = true;
    const streamed: { ok: boolean; error?: { code: string } }[] = [];
    const stream = Promise.all(
      Array.from({ length: 4 }, async (_, lane) => {
        for (let i = 0; streaming; i++)
          streamed.push(
            await ask(streamer, 'booking:confirm', {
              eventId: school.eventId,
              idempotencyKey: `empty-${lane}-${i}`,
            }),
          );
      }),
    );
    const statuses: number[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 600));
        statuses.push((await holdAndRelease(app, other, slotId, studentId)).status);
      }
    } finally {
      streaming = false;
      await stream;
    }
    expect(statuses).toEqual(Array(12).fill(200));
    expect(streamed.length).toBeGreaterThan(12);
    expect(streamed.every((a) => !a.ok && a.error?.code === 'not_found')).toBe(true);
  });

  it('a repeated confirmation still gets its stored answer after the holds are confirmed', async () => {
    const { studentId, teacherId } = familyWithTeacher(school, 2);
    const token = await loginFamily(app, school, 2);
    await new Promise((r) => setTimeout(r, 1100));
    const slotId = await firstFreeSlot(app, school, teacherId);
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId } });
    expect(held.status).toBe(200);
    const confirm = () =>
      app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId },
        headers: { 'idempotency-key': 'confirm-once-2' },
      });
    await new Promise((r) => setTimeout(r, 600));
    const first = await confirm();
    expect(first.status).toBe(200);
    const again = await confirm();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Without the key it is a new confirmation with nothing to confirm.
    const fresh = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId },
    });
    expect(fresh.status).toBe(404);
    expect(fresh.body.error.code).toBe('not_found');
  });
});

describe("each family's own share, and the socket caps", () => {
  let app: TestApp;
  let school: SeededSchool;
  beforeAll(async () => {
    app = await startTestApp({
      ADMISSION_RATE: '0',
      ADMISSION_FAMILY_RATE: '0.2',
      ADMISSION_FAMILY_BURST: '3',
      SOCKET_COMMAND_RATE: '1',
      SOCKET_COMMAND_BURST: '5',
      SOCKETS_PER_SESSION: '2',
    });
    school = await seedSmallSchool(app, { code: 'SHARE' });
  });
  afterAll(() => app?.close());

  it("a family past its share gets 429 rate_limited with Retry-After; another family's write goes through", async () => {
    const a = familyWithTeacher(school, 0);
    const b = familyWithTeacher(school, 1);
    const tokenA = await loginFamily(app, school, 0);
    const tokenB = await loginFamily(app, school, 1);
    const slotA = await firstFreeSlot(app, school, a.teacherId);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof holdAndRelease>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await holdAndRelease(app, tokenA, slotA, a.studentId);
      statuses.push(res.status);
      if (res.status !== 200) refused ??= res;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(refused!.body.error.code).toBe('rate_limited');
    const retryAfter = Number(refused!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused!.body.error.retryAfter).toBe(retryAfter);

    const slotB = await firstFreeSlot(app, school, b.teacherId);
    expect((await holdAndRelease(app, tokenB, slotB, b.studentId)).status).toBe(200);
  });

  it('one socket sending commands past its cap is answered rate_limited with retryAfter', async () => {
    const socket = await app.socket(await loginFamily(app, school, 3));
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => ask(socket, 'event:join', { eventId: school.eventId })),
    );
    const limited = answers.filter((a) => !a.ok && a.error.code === 'rate_limited');
    expect(answers.filter((a) => a.ok)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(limited[0].error.retryAfter).toBeGreaterThanOrEqual(1);
    // Honest: after the wait, the socket is heard again.
    await new Promise((r) => setTimeout(r, limited[0].error.retryAfter * 1000 + 100));
    expect((await ask(socket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
  });

  it('one session opening more sockets than allowed gets rate_limited on connect', async () => {
    const token = await loginFamily(app, school, 4);
    await app.socket(token);
    await app.socket(token);
    const err = await app.socket(token).then(
      () => null,
      (e: Error & { data?: { code: string; retryAfter?: number } }) => e,
    );
    expect(err?.message).toBe('rate_limited');
    expect(err?.data).toMatchObject({ code: 'rate_limited' });
    expect(err?.data?.retryAfter).toBeGreaterThanOrEqual(1);
  });
});
