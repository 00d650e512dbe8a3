import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlotView } from '../../protocol/index.ts';
import type { ClientToServerEvents } from '../../protocol/socket-events.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The cross-school walk: every route of the OpenAPI document (the same list that
 * mounts the routes) and every socket command, called with a token of school A
 * (admin, teacher, family) on the ids of school B. Nothing of B may come back.
 */
let app: TestApp;
let a: SeededSchool;
let b: SeededSchool;
const B: Record<string, string> = {};
let bMarkers: string[] = [];

/** Books a slot in school B (a confirmed booking and a live hold) so booking ids exist there. */
async function seedB(): Promise<void> {
  const token = await loginFamily(app, b, 0);
  const fam = b.families[0]!;
  const studentId = fam.studentIds[0]!;
  const teacherIds = b.students.find((s) => s.id === studentId)!.teacherIds;
  const snap = await app.api('GET', `/api/v1/events/${b.eventId}/availability`, { token });
  const free = (t: string) => snap.body.slots.find((s: SlotView) => s.teacherId === t && s.state === 'free');
  const first = free(teacherIds[0]!);
  await app.api('POST', '/api/v1/holds', { token, body: { slotId: first.id, studentId } });
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', { token, body: { eventId: b.eventId } });
  B.bookingId = confirmed.body.bookings[0].id;
  const second = snap.body.slots.find(
    (s: any) => s.teacherId === teacherIds[1] && s.state === 'free' && s.startsAt !== first.startsAt,
  );
  const hold = await app.api('POST', '/api/v1/holds', { token, body: { slotId: second.id, studentId } });
  B.holdId = hold.body.id;
  B.slotId = first.id;
  B.eventId = b.eventId;
  B.familyId = fam.id;
  B.studentId = studentId;
  B.teacherId = teacherIds[0]!;
  B.staffId = b.teachers[0]!.id;
  const feedback = await app.api('POST', '/api/v1/feedback', {
    token,
    body: { kind: 'complaint', subject: 'B school only', body: 'Private to school B' },
  });
  expect(feedback.status).toBe(200);
  B.feedbackId = (
    await app.db.query('SELECT id FROM feedback WHERE reference = $1', [feedback.body.reference])
  ).rows[0].id;
  // Rows of the fairness tables, where the schema has them.
  try {
    const entry = await app.db.query(
      `INSERT INTO waitlist_entries (event_id, staff_id, family_id, student_id, position)
       VALUES ($1, $2, $3, $4, 1) RETURNING id`,
      [b.eventId, teacherIds[2] ?? teacherIds[0], fam.id, studentId],
    );
    B.entryId = entry.rows[0].id;
    const offer = await app.db.query(
      `INSERT INTO offers (kind, event_id, slot_id, family_id, student_id, entry_id, expires_at)
       VALUES ('waitlist', $1, $2, $3, $4, $5, now() + interval '1 hour') RETURNING id`,
      [b.eventId, second.id, fam.id, studentId, B.entryId],
    );
    B.offerId = offer.rows[0].id;
  } catch {
    // No fairness schema: those routes are walked with ids that exist nowhere.
  }
  const { rows: adminTok } = await app.db.query('SELECT mail_opt_out_token FROM staff WHERE id = $1', [
    b.admin.id,
  ]);
  B.token = adminTok[0]?.mail_opt_out_token ?? 'x';
  bMarkers = [
    b.schoolId,
    b.eventId,
    B.bookingId!,
    B.holdId!,
    B.slotId!,
    B.familyId!,
    B.studentId!,
    B.feedbackId!,
    ...b.families.map((f) => f.id),
    ...b.teachers.map((t) => t.id),
    'Walk School B',
    'Private to school B',
  ];
}

/** A B id for a parameter or body field, by its name. */
function idFor(name: string): string {
  const key = name.replace(/s$/, '');
  if (B[key]) return B[key]!;
  if (/teacher/i.test(key)) return B.teacherId!;
  if (/staff/i.test(key)) return B.staffId!;
  if (/event/i.test(key)) return B.eventId!;
  if (/slot/i.test(key)) return B.slotId!;
  if (/family/i.test(key)) return B.familyId!;
  if (/student/i.test(key)) return B.studentId!;
  if (/hold/i.test(key)) return B.holdId!;
  if (/booking/i.test(key)) return B.bookingId!;
  return randomUUID();
}

/** A value that satisfies a JSON schema, with B's ids wherever an id goes. */
function sample(schema: any, name: string): unknown {
  if (!schema) return undefined;
  if (schema.anyOf || schema.oneOf) {
    const options = (schema.anyOf ?? schema.oneOf).filter((s: any) => s.type !== 'null' && !s.nullable);
    return sample(options[0] ?? (schema.anyOf ?? schema.oneOf)[0], name);
  }
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => sample(s, name)));
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined && schema.type !== 'object') return schema.default;
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<any>(schema.properties ?? {})) out[k] = sample(v, k);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => sample(schema.items, name));
    case 'integer':
    case 'number':
      return Math.min(schema.maximum ?? 5, Math.max(schema.minimum ?? 5, 5));
    case 'boolean':
      return true;
    case 'string': {
      if (schema.format === 'uuid') return idFor(name);
      if (schema.format === 'email') return `walker-${name}@example.org`;
      if (schema.format === 'date') return '2031-03-04';
      if (schema.format === 'date-time') return '2031-03-04T18:00:00Z';
      if (schema.pattern?.includes('[0-5]')) return '18:00';
      if (/^idempotency/i.test(name)) return `walk-${randomUUID()}`;
      return 'w'.repeat(Math.max(1, Math.min(schema.minLength ?? 1, 20)));
    }
    default:
      return undefined;
  }
}

beforeAll(async () => {
  app = await startTestApp({ FEEDBACK_PER_HOUR: '1000', IMPORTS_PER_HOUR: '1000' });
  a = await seedSmallSchool(app, { code: 'WALKA', name: 'Walk School A' });
  b = await seedSmallSchool(app, { code: 'WALKB', name: 'Walk School B' });
  await seedB();
});
afterAll(() => app.close());

describe('nothing of school B is reachable with a token of school A', () => {
  it('walks every route of the OpenAPI document as A admin, A teacher and A family', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    const ops: { method: string; path: string; op: any }[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods)) ops.push({ method, path, op });
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    let refused = 0;
    for (const who of ['admin', 'teacher', 'family'] as const) {
      const token =
        who === 'admin'
          ? await loginStaff(app, a.admin.email, PASSWORD)
          : who === 'teacher'
            ? await loginStaff(app, a.teachers[0]!.email, PASSWORD)
            : await loginFamily(app, a, 1);
      for (const { method, path, op } of ops) {
        // Ending the walker's own session would end the walk.
        if (op.operationId === 'logout') continue;
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        const isOperator = (op.tags ?? []).includes('operator') && op.operationId !== 'loginOperator';
        if (isPublic && !isOperator) continue;
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
        const url = path.replace(/\{(\w+)\}/g, (_: string, p: string) => idFor(p));
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const body = schema ? sample(schema, 'body') : undefined;
        const pointsAtB =
          params.length > 0 || JSON.stringify(body ?? {}).match(new RegExp(bMarkers.join('|'))) !== null;
        const res = await app.api(method.toUpperCase(), url, {
          token,
          body,
          headers: op.parameters?.some((p: any) => p.name === 'Idempotency-Key')
            ? { 'idempotency-key': `walk-${randomUUID()}` }
            : {},
        });
        const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
        const label = `${who} ${method.toUpperCase()} ${path} → ${res.status}`;
        const leaked = bMarkers.find((m) => text.includes(m));
        if (leaked) failures.push(`${label}: answer contains B data (${leaked})`);
        if (res.status >= 500 || res.status === 401) failures.push(`${label}: ${text.slice(0, 200)}`);
        else if (isOperator && res.status !== 403)
          failures.push(`${label}: operator route must refuse school tokens`);
        else if (pointsAtB) {
          // 400 is a refusal too (the generated body broke a rule checked before the lookup);
          // nothing was done and nothing came back.
          if (
            ![400, 403, 404, 409].includes(res.status) &&
            !(res.status === 200 && text === '{"ok":true,"data":null}')
          )
            failures.push(`${label}: expected 403/404 for B's ids: ${text.slice(0, 200)}`);
          if ([403, 404].includes(res.status)) refused++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(100);
    // B is untouched: its booking and hold stand, its staff are active, its codes still work.
    const { rows } = await app.db.query(
      'SELECT status::text AS status FROM bookings WHERE id = ANY($1::uuid[]) ORDER BY 1',
      [[B.bookingId, B.holdId]],
    );
    expect(rows.map((r) => r.status)).toEqual(['confirmed', 'held']);
    const active = await app.db.query('SELECT bool_and(active) AS all FROM staff WHERE school_id = $1', [
      b.schoolId,
    ]);
    expect(active.rows[0].all).toBe(true);
    expect((await loginFamily(app, b, 2)).length).toBeGreaterThan(10);
  });

  it('walks every socket command as A admin, A teacher and A family', async () => {
    const payloads: { [K in keyof ClientToServerEvents]: Record<string, unknown> } = {
      'event:join': { eventId: B.eventId },
      'event:leave': { eventId: B.eventId },
      'slot:hold': {
        slotId: B.slotId,
        studentId: B.studentId,
        familyId: B.familyId,
        idempotencyKey: `w-${randomUUID()}`,
      },
      'hold:release': { holdId: B.holdId, idempotencyKey: `w-${randomUUID()}` },
      'booking:confirm': { eventId: B.eventId, familyId: B.familyId, idempotencyKey: `w-${randomUUID()}` },
      'booking:cancel': { bookingId: B.bookingId, idempotencyKey: `w-${randomUUID()}` },
      'booking:move': { bookingId: B.bookingId, slotId: B.slotId, idempotencyKey: `w-${randomUUID()}` },
      'slot:block': { slotId: B.slotId, blocked: true, idempotencyKey: `w-${randomUUID()}` },
    };
    const failures: string[] = [];
    for (const who of ['admin', 'teacher', 'family'] as const) {
      const token =
        who === 'admin'
          ? await loginStaff(app, a.admin.email, PASSWORD)
          : who === 'teacher'
            ? await loginStaff(app, a.teachers[1]!.email, PASSWORD)
            : await loginFamily(app, a, 2);
      const socket = await app.socket(token);
      const heard: string[] = [];
      socket.onAny((event, payload) => heard.push(`${event} ${JSON.stringify(payload)}`));
      for (const [name, payload] of Object.entries(payloads)) {
        const ack: any = await ask(socket, name, payload);
        const text = JSON.stringify(ack);
        if (bMarkers.some((m) => text.includes(m))) failures.push(`${who} ${name}: answer contains B data`);
        if (name === 'event:leave') {
          if (!(ack.ok && ack.data === null)) failures.push(`${who} ${name}: ${text}`);
        } else if (ack.ok || !['not_found', 'forbidden', 'not_your_teacher'].includes(ack.error.code))
          failures.push(`${who} ${name}: ${text}`);
      }
      // After trying to join B's event, B's live facts must not reach this socket.
      const bToken = await loginFamily(app, b, 3);
      const bFam = b.families[3]!;
      const tId = b.students.find((s) => s.id === bFam.studentIds[0])!.teacherIds[0]!;
      const snap = await app.api('GET', `/api/v1/events/${b.eventId}/availability`, { token: bToken });
      const slot = snap.body.slots.find((s: SlotView) => s.teacherId === tId && s.state === 'free');
      if (slot) {
        const held = await app.api('POST', '/api/v1/holds', {
          token: bToken,
          body: { slotId: slot.id, studentId: bFam.studentIds[0] },
        });
        await app.api('DELETE', `/api/v1/holds/${held.body.id}`, { token: bToken });
      }
      await new Promise((r) => setTimeout(r, 300));
      if (heard.some((h) => bMarkers.some((m) => h.includes(m)) || (slot && h.includes(slot.id))))
        failures.push(`${who}: heard B's facts: ${heard.join(' | ').slice(0, 300)}`);
      socket.disconnect();
    }
    expect(failures).toEqual([]);
  });
});
