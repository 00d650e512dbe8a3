import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../../server/src/features/auth/tokens.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { ask, loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

let app: TestApp;
let school: SeededSchool;

beforeAll(async () => {
  app = await startTestApp({
    LOGIN_ATTEMPTS_PER_ACCOUNT: '3',
    LOGIN_ATTEMPTS_PER_ADDRESS: '8',
    SESSION_IDLE_MINUTES: '0.05',
    TRUST_PROXY: '1',
  });
  school = await seedSmallSchool(app);
});
afterAll(() => app?.close());

const familyLogin = (i: number, accessCode: string, address: string) =>
  app.api('POST', '/api/v1/auth/family/login', {
    body: { schoolCode: school.schoolCode.toLowerCase(), surname: school.families[i]!.surname, accessCode },
    headers: { 'x-forwarded-for': address },
  });

/**
 * Waits as long as the refusal said (Retry-After), counted from its arrival: the delay
 * ran from the attempt it refused, a little earlier, so this is never too early.
 */
const retryAfter = (refusal: { headers: Headers }) =>
  new Promise((r) => setTimeout(r, Number(refusal.headers.get('retry-after')) * 1000));

describe('signing in', () => {
  it('a family signs in with school code, surname and access code (case and dashes do not matter)', async () => {
    const f = school.families[0]!;
    const res = await familyLogin(0, f.accessCode.toLowerCase().replace('-', ' '), '192.0.2.1');
    expect(res.status).toBe(200);
    expect(res.body.me.kind).toBe('family');
    expect(res.body.me.students.map((s: any) => s.id).sort()).toEqual([...f.studentIds].sort());
    const kid = school.students.find((s) => s.id === f.studentIds[0])!;
    const me = res.body.me.students.find((s: any) => s.id === kid.id);
    expect([...me.teacherIds].sort()).toEqual([...kid.teacherIds].sort());
    // Only digests are stored: neither the token nor the access code is in the database.
    const { rows } = await app.db.query('SELECT token_hash FROM sessions WHERE id = $1', [
      res.body.me.sessionId,
    ]);
    expect(rows[0].token_hash).toBe(digest(res.body.token));
    const fam = await app.db.query('SELECT access_code_hash FROM families WHERE id = $1', [f.id]);
    expect(fam.rows[0].access_code_hash).not.toContain(f.accessCode.replace('-', ''));
  });

  it('a wrong code is 401 with a clear message and no hint which part was wrong', async () => {
    const res = await familyLogin(1, 'WRONG-CODE1', '192.0.2.2');
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({
      code: 'unauthenticated',
      message: 'The school code, surname or access code is not right.',
    });
  });

  it('staff sign in with email and password; a wrong password is 401', async () => {
    const ok = await app.api('POST', '/api/v1/auth/staff/login', {
      body: { email: school.admin.email.toUpperCase(), password: PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.me.staff).toMatchObject({ isAdmin: true, email: school.admin.email });
    const bad = await app.api('POST', '/api/v1/auth/staff/login', {
      body: { email: school.admin.email, password: 'not it' },
    });
    expect(bad.status).toBe(401);
    const nobody = await app.api('POST', '/api/v1/auth/staff/login', {
      body: { email: 'nobody@nowhere.test', password: 'not it' },
    });
    expect(nobody.status).toBe(401);
  });

  it("a stranger's wrong codes from another address do not lock the family out", async () => {
    const stranger: number[] = [];
    for (let i = 0; i < 12; i++)
      stranger.push((await familyLogin(2, `BADXX-000${i % 10}`, '198.51.100.1')).status);
    // The stranger is slowed (3 free attempts here, then delays of 1 s, 2 s, 4 s …), never
    // let through. On a loaded machine one answer can take longer than the first delay, so
    // an attempt after it may be judged again (401) instead of refused; the doubling delays
    // soon outgrow any answer time.
    expect(stranger.slice(0, 3)).toEqual([401, 401, 401]);
    expect(stranger[3]).toBe(429);
    expect(stranger.slice(3).every((s) => s === 429 || s === 401)).toBe(true);
    expect(stranger.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    const family = await familyLogin(2, school.families[2]!.accessCode, '198.51.100.9');
    expect(family.status).toBe(200);
  });

  it('after the free attempts each further one waits longer (1 s, then 2 s), with 429 and Retry-After', async () => {
    const address = '198.51.100.20';
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await familyLogin(1, `BADXX-0000${i}`, address)).status);
    expect(codes).toEqual([401, 401, 401]);
    const first = await familyLogin(1, 'BADXX-00003', address);
    expect(first.status).toBe(429);
    expect(first.body.error.code).toBe('rate_limited');
    expect(Number(first.headers.get('retry-after'))).toBe(1);
    expect(first.body.error.retryAfter).toBe(1);
    await retryAfter(first);
    expect((await familyLogin(1, 'BADXX-00004', address)).status).toBe(401);
    const second = await familyLogin(1, school.families[1]!.accessCode, address);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBe(2);
    await retryAfter(second);
    // The family's own success ends the delays for its address.
    expect((await familyLogin(1, school.families[1]!.accessCode, address)).status).toBe(200);
    expect((await familyLogin(1, 'BADXX-00005', address)).status).toBe(401);
  });

  it('successful sign-ins do not count against an address; failures do', async () => {
    // Ten parents behind one school address (the limit here is 8 failures).
    const parents: number[] = [];
    for (let i = 0; i < 10; i++)
      parents.push((await familyLogin(i, school.families[i]!.accessCode, '203.0.113.7')).status);
    expect(parents).toEqual(Array(10).fill(200));
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await familyLogin(i, 'BADXX-11111', '203.0.113.7')).status);
    expect(statuses).toEqual(Array(8).fill(401));
    const refused = await familyLogin(3, school.families[3]!.accessCode, '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect((await familyLogin(3, school.families[3]!.accessCode, '203.0.113.8')).status).toBe(200);
  });
});

describe('what a failed sign-in leaves behind', () => {
  it('Redis holds neither the surname nor the address of a wrong code, only a digest', async () => {
    const surname = school.families[5]!.surname;
    const res = await familyLogin(5, 'WRONG-CODE', '198.51.100.77');
    expect(res.status).toBe(401);
    const keys = await app.redis.keys(`${app.config.REDIS_PREFIX}*`);
    expect(keys.length).toBeGreaterThan(0);
    const values = await Promise.all(keys.map((k) => app.redis.dumpBuffer(k)));
    const text = [...keys, ...values.map((v) => v?.toString('latin1') ?? '')].join('\n').toLowerCase();
    expect(text).not.toContain(surname.toLowerCase());
    expect(text).not.toContain('198.51.100.77');
  });
});

describe('sessions', () => {
  it('logout revokes the token and disconnects its sockets with a reason', async () => {
    const token = await loginStaff(app, school.teachers[0]!.email);
    const socket = await app.socket(token);
    const ended = new Promise<any>((resolve) => socket.on('session:ended', resolve));
    const disconnected = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    expect((await app.api('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
    expect(await ended).toMatchObject({ reason: 'logout' });
    expect(await disconnected).toBe('io server disconnect');
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(401);
    await expect(app.socket(token)).rejects.toThrow('unauthenticated');
  });

  it('a socket without a valid token is refused at the handshake', async () => {
    await expect(app.socket('not-a-token')).rejects.toThrow('unauthenticated');
  });

  it('a session idle longer than the time-out stops working, even before any worker runs', async () => {
    const token = await loginFamily(app, school, 5);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(200);
    // Idle (3 s here) is two events, awaited without touching the session (a request
    // would push the time-out back): its Redis copy lapses (its TTL is the time-out) and
    // its record's last_seen_at falls behind the time-out.
    const idle = { timeout: 15_000, interval: 100 };
    await expect
      .poll(() => app.redis.exists(`${app.config.REDIS_PREFIX}sess:${digest(token)}`), idle)
      .toBe(0);
    await expect
      .poll(async () => {
        const { rows } = await app.db.query(
          `SELECT last_seen_at > now() - make_interval(secs => $2::double precision * 60) AS fresh FROM sessions WHERE token_hash = $1`,
          [digest(token), app.config.SESSION_IDLE_MINUTES],
        );
        return rows[0].fresh;
      }, idle)
      .toBe(false);
    expect((await app.api('GET', '/api/v1/me', { token })).status).toBe(401);
  });

  it('socket commands re-check the session on every call', async () => {
    const token = await loginFamily(app, school, 6);
    const socket = await app.socket(token);
    expect((await ask(socket, 'event:join', { eventId: school.eventId })).ok).toBe(true);
    await app.db.query(`UPDATE sessions SET revoked_at = now() WHERE token_hash = $1`, [digest(token)]);
    await app.redis.del(`${app.config.REDIS_PREFIX}sess:${digest(token)}`);
    expect(await ask(socket, 'event:join', { eventId: school.eventId })).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
  });
});

describe('the service documents itself', () => {
  it('serves an OpenAPI 3 document with the required operationIds', async () => {
    const res = await app.api('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const ops = Object.values(
      res.body.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const id of [
      'loginStaff',
      'loginFamily',
      'logout',
      'getMe',
      'listEvents',
      'getAvailability',
      'createHold',
      'confirmHolds',
      'releaseHold',
      'cancelBooking',
      'listMyBookings',
    ]) {
      expect(ops).toContain(id);
    }
    // The request schema is the validator's: createHold needs slotId and studentId.
    const hold = res.body.paths['/api/v1/holds'].post;
    expect(hold.requestBody.content['application/json'].schema.required).toEqual(['slotId', 'studentId']);
  });

  it('GET /healthz reports PostgreSQL and Redis', async () => {
    const res = await app.api('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', postgres: true, redis: true });
  });

  it('sets security headers and no cookies', async () => {
    const res = await app.api('GET', '/healthz');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    // WebSockets to this origin only: no bare ws:/wss: scheme that allows any host.
    expect(csp).toMatch(/connect-src 'self'(;|$)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const login = await familyLogin(7, school.families[7]!.accessCode, '192.0.2.70');
    expect(login.headers.get('set-cookie')).toBeNull();
    // Answers that carry personal data (and the token) are kept by no cache.
    expect(login.headers.get('cache-control')).toBe('no-store');
    const me = await app.api('GET', '/api/v1/me', { token: login.body.token });
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect((await app.api('GET', '/api/v1/no-such-route')).headers.get('cache-control')).toBe('no-store');
  });
});
