import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BookingView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let writes: () => Promise<number>;
let before: number;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { gapMinutes: 10 });
  other = await seedSmallSchool(app, { code: 'OTHER', name: 'Other School' });
  writes = async () =>
    (await app.db.query('SELECT (SELECT count(*) FROM bookings) + (SELECT count(*) FROM booking_log) AS n'))
      .rows[0].n as number;
});
afterAll(() => app?.close());
beforeEach(async () => {
  before = await writes();
});

/** The family with two children, and the teacher ids each child may book. */
function siblings() {
  const i = school.families.findIndex((f) => f.studentIds.length === 2);
  const f = school.families[i]!;
  const kids = f.studentIds.map((id) => school.students.find((s) => s.id === id)!);
  return { index: i, family: f, kids };
}

async function slots(token: string, eventId = school.eventId) {
  const res = await app.api('GET', `/api/v1/events/${eventId}/availability`, { token });
  return res.body.slots as { id: string; teacherId: string; startsAt: string; state: string }[];
}

async function expectRefused(
  res: { status: number; body: any },
  status: number,
  code: string,
  { wrote = false } = {},
) {
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe('string');
  // No stack traces, SQL or internals in an answer.
  expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|\.ts:|SELECT|INSERT|constraint|bookings_/i);
  if (!wrote) expect(await writes()).toBe(before);
}

describe('bad input gets a closed code and writes nothing', () => {
  it('malformed JSON → 400 invalid_input', async () => {
    const token = await loginFamily(app, school, 0);
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token, rawBody: '{"slotId": ' }),
      400,
      'invalid_input',
    );
  });

  it('wrong types and unknown fields → 400 invalid_input naming the fields', async () => {
    const token = await loginFamily(app, school, 0);
    const res = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: 42, studentId: 'x', extra: true },
    });
    await expectRefused(res, 400, 'invalid_input');
    expect(res.body.error.issues.map((i: any) => i.path).sort()).toEqual(['', 'slotId', 'studentId']);
  });

  it('an oversized body → 413 payload_too_large', async () => {
    const token = await loginFamily(app, school, 0);
    const res = await app.api('POST', '/api/v1/holds', {
      token,
      rawBody: JSON.stringify({ slotId: 'a'.repeat(64 * 1024) }),
    });
    await expectRefused(res, 413, 'payload_too_large');
  });

  it('unknown ids → 404 not_found; malformed ids → 404', async () => {
    const token = await loginFamily(app, school, 0);
    const studentId = school.families[0]!.studentIds[0]!;
    await expectRefused(
      await app.api('POST', '/api/v1/holds', {
        token,
        body: { slotId: '11111111-1111-4111-8111-111111111111', studentId },
      }),
      404,
      'not_found',
    );
    await expectRefused(
      await app.api('GET', '/api/v1/events/not-a-uuid/availability', { token }),
      404,
      'not_found',
    );
    await expectRefused(await app.api('GET', '/api/v1/nowhere', { token }), 404, 'not_found');
  });

  it('a bad idempotency key → 400', async () => {
    const token = await loginFamily(app, school, 0);
    const res = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId },
      headers: { 'idempotency-key': 'x' },
    });
    await expectRefused(res, 400, 'invalid_input');
  });

  it('no token or a wrong token → 401 unauthenticated', async () => {
    await expectRefused(await app.api('GET', '/api/v1/me'), 401, 'unauthenticated');
    await expectRefused(await app.api('GET', '/api/v1/me', { token: 'forged' }), 401, 'unauthenticated');
  });

  it('a family on an admin route → 403 forbidden', async () => {
    const token = await loginFamily(app, school, 0);
    const [slot] = await slots(token);
    await expectRefused(
      await app.api('POST', `/api/v1/slots/${slot!.id}/block`, { token, body: { blocked: true } }),
      403,
      'forbidden',
    );
  });
});

describe('booking rules', () => {
  it('not_your_teacher: a child cannot book a teacher who does not teach them', async () => {
    const token = await loginFamily(app, school, 0);
    const studentId = school.families[0]!.studentIds[0]!;
    const mine = school.students.find((s) => s.id === studentId)!.teacherIds;
    const notMine = (await slots(token)).find((s) => !mine.includes(s.teacherId))!;
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token, body: { slotId: notMine.id, studentId } }),
      403,
      'not_your_teacher',
    );
  });

  it('clash: siblings cannot be booked at the same time; gap: nor closer than the event’s gap', async () => {
    const { index, kids } = siblings();
    const token = await loginFamily(app, school, index);
    const all = await slots(token);
    const [a, b] = kids;
    const teacherB = b!.teacherIds.find((t) => !a!.teacherIds.includes(t)) ?? b!.teacherIds[0]!;
    const teacherA = a!.teacherIds.find((t) => t !== teacherB)!;
    const first =
      all.find(
        (s) => s.teacherId === teacherA && s.state === 'free' && s.startsAt.endsWith('T16:30:00.000Z'),
      ) ?? all.find((s) => s.teacherId === teacherA && s.state === 'free')!;
    const held = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: first.id, studentId: a!.id },
    });
    expect(held.status).toBe(200);
    before = await writes();
    const sameTime = all.find((s) => s.teacherId === teacherB && s.startsAt === first.startsAt)!;
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token, body: { slotId: sameTime.id, studentId: b!.id } }),
      409,
      'clash',
    );
    const fiveLater = new Date(new Date(first.startsAt).getTime() + 10 * 60_000).toISOString();
    const tooClose = all.find((s) => s.teacherId === teacherB && s.startsAt === fiveLater)!;
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token, body: { slotId: tooClose.id, studentId: b!.id } }),
      409,
      'gap',
    );
  });

  it('slot_taken: a slot held by another family', async () => {
    const t1 = await loginFamily(app, school, 1);
    const t2 = await loginFamily(app, school, 2);
    const kid1 = school.students.find((s) => s.id === school.families[1]!.studentIds[0])!;
    const kid2 = school.students.find((s) => s.id === school.families[2]!.studentIds[0])!;
    const shared = kid1.teacherIds.find((t) => kid2.teacherIds.includes(t));
    if (!shared) throw new Error('seed gave families 1 and 2 no shared teacher');
    const slot = (await slots(t1)).find((s) => s.teacherId === shared && s.state === 'free')!;
    expect(
      (await app.api('POST', '/api/v1/holds', { token: t1, body: { slotId: slot.id, studentId: kid1.id } }))
        .status,
    ).toBe(200);
    before = await writes();
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token: t2, body: { slotId: slot.id, studentId: kid2.id } }),
      409,
      'slot_taken',
    );
  });

  it('cap_reached: no more appointments than the event allows per child', async () => {
    await app.db.query('UPDATE events SET max_per_student = 1 WHERE id = $1', [school.eventId]);
    try {
      const token = await loginFamily(app, school, 3);
      const kid = school.students.find((s) => s.id === school.families[3]!.studentIds[0])!;
      const free = (await slots(token)).filter(
        (s) => kid.teacherIds.includes(s.teacherId) && s.state === 'free',
      );
      const first = free[0]!;
      const second = free.find(
        (s) =>
          s.teacherId !== first.teacherId &&
          Math.abs(Date.parse(s.startsAt) - Date.parse(first.startsAt)) > 30 * 60_000,
      )!;
      expect(
        (await app.api('POST', '/api/v1/holds', { token, body: { slotId: first.id, studentId: kid.id } }))
          .status,
      ).toBe(200);
      before = await writes();
      await expectRefused(
        await app.api('POST', '/api/v1/holds', { token, body: { slotId: second.id, studentId: kid.id } }),
        409,
        'cap_reached',
      );
    } finally {
      await app.db.query('UPDATE events SET max_per_student = 6 WHERE id = $1', [school.eventId]);
    }
  });

  it('hold_expired: a lapsed hold cannot be confirmed, and nothing is confirmed with it', async () => {
    const token = await loginFamily(app, school, 4);
    const kid = school.students.find((s) => s.id === school.families[4]!.studentIds[0])!;
    const free = (await slots(token)).filter(
      (s) => kid.teacherIds.includes(s.teacherId) && s.state === 'free',
    );
    const a = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: free[0]!.id, studentId: kid.id },
    });
    const other = free.find(
      (s) =>
        s.teacherId !== free[0]!.teacherId &&
        Math.abs(Date.parse(s.startsAt) - Date.parse(free[0]!.startsAt)) > 30 * 60_000,
    )!;
    const b = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: other.id, studentId: kid.id },
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    await app.db.query(`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      a.body.id,
    ]);
    before = await writes();
    await expectRefused(
      await app.api('POST', '/api/v1/holds/confirm', { token, body: { eventId: school.eventId } }),
      409,
      'hold_expired',
    );
    const { rows } = await app.db.query('SELECT status FROM bookings WHERE id = $1', [b.body.id]);
    expect(rows[0].status).toBe('held');
  });

  it('window_closed: nothing can be held before booking opens', async () => {
    await app.db.query(`UPDATE events SET booking_opens_at = now() + interval '1 hour' WHERE id = $1`, [
      school.eventId,
    ]);
    try {
      const token = await loginFamily(app, school, 5);
      const kid = school.students.find((s) => s.id === school.families[5]!.studentIds[0])!;
      const slot = (await slots(token)).find(
        (s) => kid.teacherIds.includes(s.teacherId) && s.state === 'free',
      )!;
      await expectRefused(
        await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId: kid.id } }),
        409,
        'window_closed',
      );
    } finally {
      await app.db.query(`UPDATE events SET booking_opens_at = now() - interval '1 hour' WHERE id = $1`, [
        school.eventId,
      ]);
    }
  });
});

describe('nobody sees or touches another school’s or another family’s data', () => {
  it('another school’s event, slots and bookings are 404 over HTTP and sockets', async () => {
    const token = await loginFamily(app, school, 6);
    const otherToken = await loginFamily(app, other, 0);
    const otherKid = other.families[0]!.studentIds[0]!;
    const otherSlots = await slots(otherToken, other.eventId);
    const otherHold = await app.api('POST', '/api/v1/holds', {
      token: otherToken,
      body: {
        slotId: otherSlots.find((s) =>
          other.students.find((k) => k.id === otherKid)!.teacherIds.includes(s.teacherId),
        )!.id,
        studentId: otherKid,
      },
    });
    expect(otherHold.status).toBe(200);
    before = await writes();
    const kid = school.families[6]!.studentIds[0]!;
    await expectRefused(
      await app.api('GET', `/api/v1/events/${other.eventId}/availability`, { token }),
      404,
      'not_found',
    );
    await expectRefused(await app.api('GET', `/api/v1/events/${other.eventId}`, { token }), 404, 'not_found');
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token, body: { slotId: otherSlots[5]!.id, studentId: kid } }),
      404,
      'not_found',
    );
    await expectRefused(
      await app.api('POST', `/api/v1/bookings/${otherHold.body.id}/cancel`, { token }),
      404,
      'not_found',
    );
    await expectRefused(
      await app.api('DELETE', `/api/v1/holds/${otherHold.body.id}`, { token }),
      404,
      'not_found',
    );
    const socket = await app.socket(token);
    const join = await ask(socket, 'event:join', { eventId: other.eventId });
    expect(join).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const events = await app.api('GET', '/api/v1/events', { token });
    expect(events.body.events.map((e: any) => e.id)).toEqual([school.eventId]);
  });

  it('a family cannot hold for another family’s child, nor cancel another family’s booking', async () => {
    const t7 = await loginFamily(app, school, 7);
    const t8 = await loginFamily(app, school, 8);
    const kid8 = school.students.find((s) => s.id === school.families[8]!.studentIds[0])!;
    const slot = (await slots(t8)).find((s) => kid8.teacherIds.includes(s.teacherId) && s.state === 'free')!;
    await expectRefused(
      await app.api('POST', '/api/v1/holds', { token: t7, body: { slotId: slot.id, studentId: kid8.id } }),
      404,
      'not_found',
    );
    const mine = await app.api('POST', '/api/v1/holds', {
      token: t8,
      body: { slotId: slot.id, studentId: kid8.id },
    });
    expect(mine.status).toBe(200);
    before = await writes();
    await expectRefused(
      await app.api('POST', `/api/v1/bookings/${mine.body.id}/cancel`, { token: t7 }),
      404,
      'not_found',
    );
    await expectRefused(
      await app.api('POST', '/api/v1/holds', {
        token: t7,
        body: { slotId: slot.id, studentId: kid8.id, familyId: school.families[8]!.id },
      }),
      403,
      'forbidden',
    );
    // And the itinerary it can read is its own only.
    const itinerary = await app.api('GET', `/api/v1/events/${school.eventId}/bookings/mine`, { token: t7 });
    expect(itinerary.body.bookings.every((b: BookingView) => b.familyId === school.families[7]!.id)).toBe(
      true,
    );
  });

  it('families see slot states but never who is in them; the slot’s teacher does', async () => {
    const token = await loginFamily(app, school, 9);
    const family = await slots(token);
    expect(family.some((s) => s.state === 'held')).toBe(true);
    expect(family.every((s: any) => s.occupant === undefined)).toBe(true);
    const held = family.find((s) => s.state === 'held')!;
    const teacher = school.teachers.find((t) => t.id === held.teacherId)!;
    const staffToken = await loginStaff(app, teacher.email);
    const seen = (await slots(staffToken)).find((s: any) => s.id === held.id) as any;
    expect(seen.occupant.familySurname).toBeTruthy();
    const otherTeacher = school.teachers.find((t) => t.id !== held.teacherId)!;
    const otherSees = (await slots(await loginStaff(app, otherTeacher.email))).find(
      (s: any) => s.id === held.id,
    ) as any;
    expect(otherSees.occupant).toBeUndefined();
  });
});
