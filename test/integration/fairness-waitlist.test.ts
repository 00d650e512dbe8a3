import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fairnessJobIds, type OfferMade } from '../../protocol/fairness.ts';
import { QUEUES } from '../../protocol/jobs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { bullPrefix } from '../../server/src/wiring/queues.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

let app: TestApp;
let school: SeededSchool;
let workers: RunningWorkers;
let smtp: TestSmtp;
let fairnessQueue: Queue;

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { families: 8, teachers: 3, teachersPerStudent: 3, siblingShare: 0 });
  workers = await startTestWorkers(app, {
    smtpUrl: smtp.url,
    only: ['fairness', 'email'],
    env: { PUBLIC_URL: app.url },
  });
  fairnessQueue = new Queue(QUEUES.fairness, {
    connection: app.redis,
    prefix: bullPrefix(app.config.REDIS_PREFIX),
  });
});
afterAll(async () => {
  await fairnessQueue?.close();
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

const teacher = () => school.teachers[0]!.id;
const child = (i: number) => school.families[i]!.studentIds[0]!;

describe('waiting list', () => {
  it('offers a freed slot in line order (must-see first), passes it on when an offer lapses, and books it once on acceptance', async () => {
    // The teacher has one slot left; family 0 takes it.
    const { rows: slots } = await app.db.query<{ id: string }>(
      'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at',
      [school.eventId, teacher()],
    );
    const slotId = slots[3]!.id;
    await app.db.query('UPDATE slots SET blocked = true WHERE staff_id = $1 AND id <> $2', [
      teacher(),
      slotId,
    ]);
    await app.db.query(`UPDATE families SET email = 'waitlist3@parents.test' WHERE id = $1`, [
      school.families[3]!.id,
    ]);
    const tokens = await Promise.all([0, 1, 2, 3].map((i) => loginFamily(app, school, i)));
    const held = await app.api('POST', '/api/v1/holds', {
      token: tokens[0]!,
      body: { slotId, studentId: child(0) },
    });
    expect(held.status).toBe(200);
    expect(
      (
        await app.api('POST', '/api/v1/holds/confirm', {
          token: tokens[0]!,
          body: { eventId: school.eventId },
        })
      ).status,
    ).toBe(200);

    // The itinerary proposal says the teacher is full and offers the waiting list.
    const proposal = await app.api('POST', `/api/v1/events/${school.eventId}/itinerary/propose`, {
      token: tokens[1]!,
      body: { children: [{ studentId: child(1), teacherIds: [teacher()] }] },
    });
    expect(proposal.status).toBe(200);
    expect(proposal.body.unplaced).toEqual([
      { studentId: child(1), teacherId: teacher(), reason: 'full', waitingListAvailable: true },
    ]);

    const offers: Record<number, OfferMade[]> = { 1: [], 2: [], 3: [] };
    for (const i of [1, 2, 3]) {
      const s = await app.socket(tokens[i]!);
      s.on('offer:made', (o) => offers[i]!.push(o));
      const joined = await app.api('POST', `/api/v1/events/${school.eventId}/waitlist`, {
        token: tokens[i]!,
        body: { studentId: child(i), teacherId: teacher() },
      });
      expect(joined.status, JSON.stringify(joined.body)).toBe(200);
      expect(joined.body.place).toBe(i);
    }
    // The teacher marks family 3 "must see": it goes first.
    const teacherToken = await loginStaff(app, school.teachers[0]!.email);
    const list = await app.api('GET', `/api/v1/events/${school.eventId}/waitlist`, { token: teacherToken });
    const entry3 = list.body.entries.find((e: { familyId: string }) => e.familyId === school.families[3]!.id);
    const marked = await app.api('PUT', `/api/v1/waitlist/${entry3.id}/must-see`, {
      token: teacherToken,
      body: { mustSee: true },
    });
    expect(marked.body).toMatchObject({ mustSee: true, place: 1 });

    // Family 0 cancels: the slot is offered to family 3, live.
    const cancelled = await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token: tokens[0]! });
    expect(cancelled.status).toBe(200);
    await expect.poll(() => offers[3]!.length, { timeout: 10_000 }).toBe(1);
    expect(offers[3]![0]).toMatchObject({ slotId, kind: 'waitlist', status: 'pending' });
    expect(offers[1]).toHaveLength(0);
    // Nobody else can grab it while it is offered.
    const grab = await app.api('POST', '/api/v1/holds', {
      token: tokens[2]!,
      body: { slotId, studentId: child(2) },
    });
    expect(grab.status).toBe(409);
    expect(grab.body.error.code).toBe('slot_taken');

    // The offer lapses (its time is moved up and its expiry job run now): family 1 is next.
    const first = offers[3]![0]!;
    await app.db.query(`UPDATE offers SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      first.id,
    ]);
    await (await fairnessQueue.getJob(fairnessJobIds.offerExpiry(first.id)))!.promote();
    await expect.poll(() => offers[1]!.length, { timeout: 10_000 }).toBe(1);
    const second = offers[1]![0]!;
    expect(second.slotId).toBe(slotId);
    const lapsed = await app.api('POST', `/api/v1/offers/${first.id}/accept`, { token: tokens[3]! });
    expect(lapsed.status).toBe(409);

    // Two acceptances at once: one booking.
    const [a, b] = await Promise.all([
      app.api('POST', `/api/v1/offers/${second.id}/accept`, { token: tokens[1]! }),
      app.api('POST', `/api/v1/offers/${second.id}/accept`, { token: tokens[1]! }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.booking.id).toBe(b.body.booking.id);
    const booked = await app.db.query(
      `SELECT family_id FROM bookings WHERE slot_id = $1 AND status = 'confirmed'`,
      [slotId],
    );
    expect(booked.rows).toEqual([{ family_id: school.families[1]!.id }]);

    // The offer went out by e-mail too, through the workers' e-mail queue.
    await expect
      .poll(
        () =>
          smtp.messages.some(
            (m) =>
              m.subject?.startsWith('A slot has come up for you') &&
              m.to &&
              JSON.stringify(m.to).includes('waitlist3@parents.test'),
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
  });

  it('admins reorder a list; a family cannot', async () => {
    const admin = await loginStaff(app, school.admin.email);
    const other = school.teachers[1]!.id;
    const tokens = await Promise.all([4, 5].map((i) => loginFamily(app, school, i)));
    await app.db.query('UPDATE slots SET blocked = true WHERE staff_id = $1', [other]);
    for (const [k, i] of [4, 5].entries())
      expect(
        (
          await app.api('POST', `/api/v1/events/${school.eventId}/waitlist`, {
            token: tokens[k]!,
            body: { studentId: child(i), teacherId: other },
          })
        ).status,
      ).toBe(200);
    const list = await app.api('GET', `/api/v1/events/${school.eventId}/waitlist`, { token: admin });
    const ids = list.body.entries
      .filter((e: { teacherId: string }) => e.teacherId === other)
      .map((e: { id: string }) => e.id);
    const path = `/api/v1/events/${school.eventId}/waitlist/${other}/order`;
    const refused = await app.api('PUT', path, { token: tokens[0]!, body: { entryIds: [...ids].reverse() } });
    expect(refused.status).toBe(403);
    const done = await app.api('PUT', path, { token: admin, body: { entryIds: [...ids].reverse() } });
    expect(done.status).toBe(200);
    expect(done.body.entries.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
  });
});
