import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView, SlotView } from '../../protocol/index.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { onSlotFact } from '../support/live-facts.ts';
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
    onSlotFact(watcher, (f) => facts.push(f));

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
    expect(confirmed.body.bookings.map((b: BookingView) => b.status)).toEqual(['confirmed']);
    const cancelled = await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    await expect.poll(() => facts.length).toBe(3);
    expect(facts.map((f) => [f.kind, f.slot.state])).toEqual([
      ['held', 'held'],
      ['booked', 'booked'],
      ['released', 'free'],
    ]);
    // Each fact is newer than the last, and the slot carries the version of its last change.
    const versions = facts.map((f) => f.version);
    expect(versions[0]).toBeGreaterThan(startVersion);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    expect(facts.map((f) => f.slot.version)).toEqual(versions);
    const again = await ask(watcher, 'event:join', { eventId: school.eventId });
    expect(again.data.slots.find((s: SlotView) => s.id === slot.id).version).toBe(versions[2]);
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

  it('an admin books and cancels on a family’s behalf; the family’s own screen is told', async () => {
    const fam = school.families[2]!;
    const familyToken = await loginFamily(app, school, 2);
    const familySocket = await app.socket(familyToken);
    const told: any[] = [];
    familySocket.on('itinerary:changed', (p) => told.push(p));
    const adminToken = await loginStaff(app, school.admin.email);
    const studentId = fam.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[1]!;
    const slot = (await slotsOf(adminToken)).slots.find(
      (s) => s.teacherId === teacherId && s.state === 'free',
    )!;

    // Staff must name the family; a teacher who is not an admin may not act for families.
    const unnamed = await app.api('POST', '/api/v1/holds', {
      token: adminToken,
      body: { slotId: slot.id, studentId },
    });
    expect(unnamed.status).toBe(400);
    const teacherToken = await loginStaff(app, school.teachers[0]!.email);
    const byTeacher = await app.api('POST', '/api/v1/holds', {
      token: teacherToken,
      body: { slotId: slot.id, studentId, familyId: fam.id },
    });
    expect(byTeacher.status).toBe(403);

    const held = await app.api('POST', '/api/v1/holds', {
      token: adminToken,
      body: { slotId: slot.id, studentId, familyId: fam.id },
    });
    expect(held.status).toBe(200);
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token: adminToken,
      body: { eventId: school.eventId, holdIds: [held.body.id], familyId: fam.id },
    });
    expect(confirmed.status).toBe(200);
    const mine = await app.api('GET', `/api/v1/events/${school.eventId}/bookings/mine`, {
      token: familyToken,
    });
    expect(mine.body.bookings.map((b: BookingView) => [b.id, b.status])).toEqual([
      [held.body.id, 'confirmed'],
    ]);

    const cancelled = await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token: adminToken });
    expect(cancelled.status).toBe(200);
    await expect.poll(() => told.length).toBeGreaterThanOrEqual(3);
    const log = await app.db.query(
      'SELECT action, actor_kind, actor_id FROM booking_log WHERE booking_id = $1 ORDER BY version',
      [held.body.id],
    );
    expect(log.rows.map((r) => [r.action, r.actor_kind, r.actor_id])).toEqual([
      ['held', 'staff', school.admin.id],
      ['confirmed', 'staff', school.admin.id],
      ['cancelled', 'staff', school.admin.id],
    ]);
  });

  it('a family cannot cancel after the event’s cut-off; an admin still can', async () => {
    const token = await loginFamily(app, school, 3);
    const studentId = school.families[3]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    const slot = (await slotsOf(token)).slots.find((s) => s.teacherId === teacherId && s.state === 'free')!;
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    await app.api('POST', '/api/v1/holds/confirm', { token, body: { eventId: school.eventId } });
    await app.db.query(`UPDATE events SET cancel_cutoff_at = now() - interval '1 minute' WHERE id = $1`, [
      school.eventId,
    ]);
    try {
      const refused = await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('window_closed');
      const admin = await loginStaff(app, school.admin.email);
      expect(
        (await app.api('POST', `/api/v1/bookings/${held.body.id}/cancel`, { token: admin })).status,
      ).toBe(200);
    } finally {
      await app.db.query('UPDATE events SET cancel_cutoff_at = NULL WHERE id = $1', [school.eventId]);
    }
  });

  it('an admin blocks a free slot and every screen sees it; a booked slot cannot be blocked', async () => {
    const watcher = await app.socket(await loginFamily(app, school, 4));
    await ask(watcher, 'event:join', { eventId: school.eventId });
    const changed = new Promise<any>((resolve) =>
      onSlotFact(watcher, (f) => f.kind === 'changed' && resolve(f)),
    );
    const admin = await loginStaff(app, school.admin.email);
    const adminSocket = await app.socket(admin);
    const snap = await ask(adminSocket, 'event:join', { eventId: school.eventId });
    // Facts go by interest: the watcher hears of the teachers its children may book.
    const watched = school.students.find((s) => s.id === school.families[4]!.studentIds[0])!.teacherIds;
    const free = snap.data.slots.find((s: SlotView) => s.state === 'free' && watched.includes(s.teacherId));
    const blocked = await ask(adminSocket, 'slot:block', {
      slotId: free.id,
      blocked: true,
      idempotencyKey: 'block-0001',
    });
    expect(blocked).toMatchObject({ ok: true, data: { id: free.id, state: 'blocked' } });
    expect(await changed).toMatchObject({
      kind: 'changed',
      reason: 'blocked',
      slot: { id: free.id, state: 'blocked' },
    });
    const held = snap.data.slots.find((s: SlotView) => s.state === 'held' || s.state === 'booked');
    if (held) {
      const refused = await ask(adminSocket, 'slot:block', {
        slotId: held.id,
        blocked: true,
        idempotencyKey: 'block-0002',
      });
      expect(refused).toMatchObject({ ok: false, error: { code: 'slot_taken' } });
    }
  });

  it('a family extends a live hold up to ten times; everyone sees the new lapse time', async () => {
    const token = await loginFamily(app, school, 5);
    const studentId = school.families[5]!.studentIds[0]!;
    const teacherId = school.students.find((s) => s.id === studentId)!.teacherIds[0]!;
    // The admins' console sees every slot (families only those of their children's teachers).
    const watcher = await app.socket(await loginStaff(app, school.admin.email));
    await ask(watcher, 'event:join', { eventId: school.eventId });
    const slot = (await slotsOf(token)).slots.find((s) => s.teacherId === teacherId && s.state === 'free')!;
    const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId: slot.id, studentId } });
    expect(held.status).toBe(200);
    // Pretend most of the hold has run out, then ask for more time.
    await app.db.query(`UPDATE bookings SET expires_at = now() + interval '5 seconds' WHERE id = $1`, [
      held.body.id,
    ]);
    const seen = new Promise<any>((resolve) =>
      onSlotFact(watcher, (f) => f.kind === 'held' && f.reason === 'extended' && resolve(f)),
    );
    const extended = await app.api('POST', `/api/v1/holds/${held.body.id}/extend`, { token });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.expiresAt) - Date.now()).toBeGreaterThan(100_000);
    expect((await seen).slot.heldUntil).toBe(extended.body.expiresAt);
    // The first expiry job finds the hold extended and leaves it; the extension has its own job.
    expect(await app.confer.services.booking.expireHold(held.body.id)).toBe(false);
    expect(await app.holdQueue.getJob(`hold.${held.body.id}.1`)).toBeTruthy();

    const other = await loginFamily(app, school, 7);
    expect((await app.api('POST', `/api/v1/holds/${held.body.id}/extend`, { token: other })).status).toBe(
      404,
    );
    for (let i = 2; i <= 10; i++) {
      expect((await app.api('POST', `/api/v1/holds/${held.body.id}/extend`, { token })).status).toBe(200);
    }
    const eleventh = await app.api('POST', `/api/v1/holds/${held.body.id}/extend`, { token });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error.code).toBe('cap_reached');
    const log = await app.db.query(
      `SELECT count(*)::int AS n FROM booking_log WHERE booking_id = $1 AND action = 'extended'`,
      [held.body.id],
    );
    expect(log.rows[0].n).toBe(10);

    await app.db.query(`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      held.body.id,
    ]);
    const lapsed = await app.api('POST', `/api/v1/holds/${held.body.id}/extend`, { token });
    expect(lapsed.body.error.code).toBe('hold_expired');
  });
});
