import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Separated parents (migration 016): a child linked to two families from the
 * admin screens; in a joint event one appointment per child and teacher that both
 * families see and either may change or cancel; in a separate event one per family.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ LOGIN_ATTEMPTS_PER_ADDRESS: '100000' });
});
afterAll(() => app?.close());

interface Shared {
  school: SeededSchool;
  admin: string;
  a: string;
  b: string;
  child: string;
  teacher: string;
  slots: string[];
}

/** Family 0's first child linked to family 1 by an admin, through the API. */
async function sharedChild(code: string, mode?: 'joint' | 'separate'): Promise<Shared> {
  const school = await seedSmallSchool(app, {
    code,
    teachers: 2,
    families: 4,
    teachersPerStudent: 2,
    siblingShare: 0,
  });
  const admin = await loginStaff(app, school.admin.email);
  if (mode) {
    const set = await app.api('PUT', `/api/v1/admin/events/${school.eventId}/shared-child-mode`, {
      token: admin,
      body: { mode },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({ eventId: school.eventId, mode });
    // The event itself says which it is, so the admin screen can show the current choice.
    const shown = await app.api('GET', `/api/v1/events/${school.eventId}`, { token: admin });
    expect(shown.body.sharedChildMode).toBe(mode);
  }
  const child = school.families[0]!.studentIds[0]!;
  const linked = await app.api('POST', `/api/v1/admin/families/${school.families[1]!.id}/students`, {
    token: admin,
    body: { studentId: child },
  });
  expect(linked.status, JSON.stringify(linked.body)).toBe(200);
  expect(linked.body.families).toBe(2);
  const teacher = school.students.find((s) => s.id === child)!.teacherIds[0]!;
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at',
    [school.eventId, teacher],
  );
  return {
    school,
    admin,
    a: await loginFamily(app, school, 0),
    b: await loginFamily(app, school, 1),
    child,
    teacher,
    slots: rows.map((r) => r.id),
  };
}

async function holdAndConfirm(s: Shared, token: string, slotId: string) {
  const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId: s.child } });
  if (held.status !== 200) return held;
  return app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: s.school.eventId, holdIds: [held.body.id] },
  });
}

const mine = (s: Shared, token: string) =>
  app.api('GET', `/api/v1/events/${s.school.eventId}/bookings/mine`, { token });

describe('admin links a second family to a child', () => {
  it('refuses another school’s child and a mode change once bookings exist', async () => {
    const s = await sharedChild('SHLINK');
    const other = await seedSmallSchool(app, { code: 'SHLNK2', teachers: 1, families: 1 });
    const res = await app.api('POST', `/api/v1/admin/families/${s.school.families[2]!.id}/students`, {
      token: s.admin,
      body: { studentId: other.families[0]!.studentIds[0] },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const family = await app.api('POST', `/api/v1/admin/families/${s.school.families[2]!.id}/students`, {
      token: s.a,
      body: { studentId: s.child },
    });
    expect(family.status).toBe(403);
    // A third family is refused, as the class-list import refuses it.
    const third = await app.api('POST', `/api/v1/admin/families/${s.school.families[2]!.id}/students`, {
      token: s.admin,
      body: { studentId: s.child },
    });
    expect(third.status).toBe(400);
    expect(third.body.error.code).toBe('invalid_input');
    expect((await holdAndConfirm(s, s.a, s.slots[0]!)).status).toBe(200);
    const late = await app.api('PUT', `/api/v1/admin/events/${s.school.eventId}/shared-child-mode`, {
      token: s.admin,
      body: { mode: 'separate' },
    });
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('invalid_input');
    const { rows } = await app.db.query('SELECT shared_child_mode FROM events WHERE id = $1', [
      s.school.eventId,
    ]);
    expect(rows[0].shared_child_mode).toBe('joint');
  });
});

describe('joint: one appointment per child and teacher, shared by both families', () => {
  it('two families race for the teacher: exactly one wins; the other sees it (no family name) and may move or cancel it', async () => {
    const s = await sharedChild('SHJOINT');
    const [ra, rb] = await Promise.all([
      holdAndConfirm(s, s.a, s.slots[0]!),
      holdAndConfirm(s, s.b, s.slots[3]!),
    ]);
    const answers = [ra, rb];
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    const loser = answers.find((r) => r.status !== 200)!;
    expect(loser.status).toBe(409);
    expect(loser.body.error.code).toBe('clash');
    const winnerToken = ra.status === 200 ? s.a : s.b;
    const otherToken = winnerToken === s.a ? s.b : s.a;
    const otherIndex = winnerToken === s.a ? 1 : 0;
    const winnerIndex = 1 - otherIndex;

    const seen = await mine(s, otherToken);
    expect(seen.status).toBe(200);
    const shared = seen.body.bookings.filter((b: { studentId: string }) => b.studentId === s.child);
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ teacherId: s.teacher, status: 'confirmed' });
    // The child's own name may share the family's surname; nothing else may carry it.
    const withoutChild = seen.body.bookings.map(
      ({ studentName: _n, ...rest }: { studentName: string }) => rest,
    );
    expect(JSON.stringify(withoutChild)).not.toContain(s.school.families[winnerIndex]!.surname);

    // The other family moves it in one step, then cancels it; both are logged as that family.
    const free = s.slots.find((id) => id !== shared[0].slotId)!;
    const moved = await app.api('POST', `/api/v1/bookings/${shared[0].id}/move`, {
      token: otherToken,
      body: { slotId: free },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const cancelled = await app.api('POST', `/api/v1/bookings/${shared[0].id}/cancel`, { token: otherToken });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const { rows } = await app.db.query(
      `SELECT action, actor_kind, actor_id FROM booking_log WHERE booking_id = $1 AND action IN ('moved', 'cancelled') ORDER BY id`,
      [shared[0].id],
    );
    const otherId = s.school.families[otherIndex]!.id;
    expect(rows).toEqual([
      { action: 'moved', actor_kind: 'family', actor_id: otherId },
      { action: 'moved', actor_kind: 'family', actor_id: otherId },
      { action: 'cancelled', actor_kind: 'family', actor_id: otherId },
    ]);
  });
});

describe('separate: each family books its own appointment for the child', () => {
  it('both families racing for the teacher each get one; each family’s cap; neither sees or touches the other’s', async () => {
    const s = await sharedChild('SHSEP', 'separate');
    await app.db.query('UPDATE events SET max_per_student = 1 WHERE id = $1', [s.school.eventId]);
    const [ra, rb] = await Promise.all([
      holdAndConfirm(s, s.a, s.slots[0]!),
      holdAndConfirm(s, s.b, s.slots[3]!),
    ]);
    expect([ra.status, rb.status], JSON.stringify([ra.body, rb.body])).toEqual([200, 200]);
    // The cap counts each family's own appointments for the child.
    const { rows } = await app.db.query(
      `SELECT family_id FROM bookings WHERE student_id = $1 AND status = 'confirmed' ORDER BY family_id`,
      [s.child],
    );
    expect(rows).toHaveLength(2);
    const aMine = (await mine(s, s.a)).body.bookings;
    const bMine = (await mine(s, s.b)).body.bookings;
    expect(aMine).toHaveLength(1);
    expect(bMine).toHaveLength(1);
    const cancel = await app.api('POST', `/api/v1/bookings/${aMine[0].id}/cancel`, { token: s.b });
    expect(cancel.status).toBe(404);

    // Within one family the child still sees the teacher once (and the cap of 1 is reached).
    const again = await holdAndConfirm(s, s.a, s.slots[6]!);
    expect(again.status).toBe(409);
    expect(['clash', 'cap_reached']).toContain(again.body.error.code);
  });

  it('two families of one child racing for the same slot: exactly one wins', async () => {
    const s = await sharedChild('SHSEP3', 'separate');
    const [ra, rb] = await Promise.all([
      holdAndConfirm(s, s.a, s.slots[1]!),
      holdAndConfirm(s, s.b, s.slots[1]!),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const { rows } = await app.db.query(
      `SELECT count(*)::int AS n FROM bookings WHERE slot_id = $1 AND booking_is_active(status, expires_at)`,
      [s.slots[1]],
    );
    expect(rows[0].n).toBe(1);
  });
});
