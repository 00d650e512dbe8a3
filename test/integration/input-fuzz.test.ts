import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../protocol/errors.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import {
  issueInterpreterLink,
  tokenForInterpreterMail,
} from '../../server/src/features/interpreters/interpreter-links.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { serverKeys } from '../../server/src/infra/server-keys.ts';
import { bookOnBehalf } from '../support/admin-fixtures.ts';
import { ask, loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Bad input changes nothing. Every operation of the OpenAPI document (so a
 * new one is picked up without editing this file) gets a sample of bad inputs derived
 * from its own schema — wrong types, missing and extra fields, huge strings, NUL and
 * other control characters, malformed JSON, a body that is not JSON, malformed ids,
 * junk in the query — once with a token of the role it serves (on that school's real
 * ids, so a bad input that slipped through would really change something) and once
 * with another school's token. Then the socket commands. Asserted: no 5xx, every
 * answer in the documented `{ error: { code, message } }` shape with a closed code
 * and its status, and no table changed (a digest of every row of every table, the
 * booking log included, before and after each operation).
 */
let app: TestApp;
let a: SeededSchool;
let b: SeededSchool;
const A: Record<string, string> = {};
const tokens: Record<'admin' | 'teacher' | 'family' | 'interpreter' | 'otherSchool' | 'operator', string> = {
  admin: '',
  interpreter: '',
  teacher: '',
  family: '',
  otherSchool: '',
  operator: '',
};

// Columns a request may move without changing anything a person sees: a session's
// last activity (every authenticated request), the peak of open connections.
const VOLATILE: Record<string, string> = {
  sessions: 'SELECT id, revoked_at FROM sessions',
  operator_sessions: 'SELECT token_hash, revoked_at FROM operator_sessions',
  connection_peaks: 'SELECT 1',
};

let tables: string[] = [];

/** One digest per table: any inserted, updated or deleted row changes it. */
async function digests(): Promise<Map<string, string>> {
  const parts = tables.map(
    (t) =>
      `SELECT '${t}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM (${
        VOLATILE[t] ?? `SELECT * FROM ${t}`
      }) x`,
  );
  const { rows } = await app.db.query<{ t: string; d: string }>(parts.join(' UNION ALL '));
  return new Map(rows.map((r) => [r.t, r.d]));
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before].filter(([t, d]) => after.get(t) !== d).map(([t]) => t);
}

/** A real id of school A for a parameter or field, by its name; random when A has none. */
function idFor(name: string): string {
  const key = name.replace(/Ids?$|s$/, '').toLowerCase();
  for (const [k, v] of Object.entries(A)) if (key.includes(k)) return v;
  return randomUUID();
}

/** A value that satisfies a JSON schema (the document's), with A's ids where ids go. */
function sample(schema: any, name: string): unknown {
  if (!schema) return undefined;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(options.find((s: any) => s.type !== 'null' && !s.nullable) ?? options[0], name);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => sample(s, name)));
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
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
    case 'string':
      if (schema.format === 'uuid') return idFor(name);
      if (schema.format === 'email') return `fuzz-${name}@example.org`;
      if (schema.format === 'date') return '2031-03-04';
      if (schema.format === 'date-time') return '2031-03-04T18:00:00Z';
      return 'f'.repeat(Math.max(1, Math.min(schema.minLength ?? 4, 20)));
    default:
      return 'x';
  }
}

interface BadInput {
  label: string;
  path?: string;
  query?: string;
  /** Raw body text and its content type; none when absent. */
  body?: { text: string; type: string };
}

const json = (v: unknown) => ({ text: JSON.stringify(v), type: 'application/json' });

/** Bad inputs for one operation, derived from its parameters and body schema. */
function badInputs(method: string, path: string, op: any, doc: any): BadInput[] {
  let schema = op.requestBody?.content?.['application/json']?.schema;
  if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split('/').pop()];
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  // An operation without a body acts on its ids alone: on A's real ids even a request
  // whose only faults are ignored (junk in the query) would be a valid one. So its
  // ids exist nowhere; an operation with a body gets A's real ids, and the bad body
  // is all that stands between it and a real change.
  const idOf = schema ? idFor : () => randomUUID();
  const url = (bad?: { name: string; value: string }) =>
    path.replace(/\{(\w+)\}/g, (_: string, p: string) => (bad?.name === p ? bad.value : idOf(p)));
  const out: BadInput[] = [];
  for (const p of params)
    for (const value of ['not-a-uuid', '%00', encodeURIComponent(`${randomUUID()}\u0007`), 'x'.repeat(300)])
      out.push({ label: `malformed ${p}`, path: url({ name: p, value }) });
  const good = url();
  out.push({ label: 'NUL in the query', path: `${good}?q=a%00b&kind=teachers%00` });
  out.push({ label: 'arrays in the query', path: `${good}?q[]=a&q[]=b&dryRun[x]=1` });
  if (!schema) {
    // No body is read: one sent anyway must be ignored, whatever it holds.
    if (method !== 'get')
      out.push({ label: 'an unread text body', path: good, body: { text: 'all=true', type: 'text/plain' } });
    return out;
  }
  const valid = sample(schema, 'body') as Record<string, unknown>;
  const props = Object.entries<any>(schema.properties ?? {});
  const required: string[] = schema.required ?? [];
  out.push(
    { label: 'no body', path: good },
    { label: 'text/plain', path: good, body: { text: JSON.stringify(valid), type: 'text/plain' } },
    { label: 'form', path: good, body: { text: 'all=true', type: 'application/x-www-form-urlencoded' } },
    { label: 'malformed JSON', path: good, body: { text: '{"a":', type: 'application/json' } },
    { label: 'JSON null', path: good, body: json(null) },
    { label: 'JSON array', path: good, body: json([valid]) },
    { label: 'JSON string', path: good, body: { text: '"x"', type: 'application/json' } },
    { label: 'extra field', path: good, body: json({ ...valid, zzExtra: 1 }) },
    {
      label: 'deep nesting',
      path: good,
      body: { text: `${'['.repeat(5000)}${']'.repeat(5000)}`, type: 'application/json' },
    },
  );
  if (required.length) out.push({ label: 'empty object', path: good, body: json({}) });
  for (const r of required.slice(0, 3)) {
    const { [r]: _, ...rest } = valid;
    out.push({ label: `missing ${r}`, path: good, body: json(rest) });
  }
  for (const [k, s] of props.slice(0, 6)) {
    const wrong = s.type === 'string' ? 12345 : s.type === 'array' ? { not: 'an array' } : 'wrong type';
    out.push({ label: `${k}: wrong type`, path: good, body: json({ ...valid, [k]: wrong }) });
    // null is bad input only where the document does not allow it (an operator's message
    // for every school has `schoolId: null`).
    const allowsNull =
      s.nullable ||
      s.type === 'null' ||
      (Array.isArray(s.type) && s.type.includes('null')) ||
      [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some((o: any) => o.type === 'null');
    if (!allowsNull) out.push({ label: `${k}: null`, path: good, body: json({ ...valid, [k]: null }) });
    const isText = s.type === 'string' || s.anyOf?.some((o: any) => o.type === 'string');
    if (isText) {
      out.push({ label: `${k}: NUL`, path: good, body: json({ ...valid, [k]: `a\u0000b` }) });
      out.push({ label: `${k}: lone surrogate`, path: good, body: json({ ...valid, [k]: 'a\ud800b' }) });
      out.push({ label: `${k}: huge`, path: good, body: json({ ...valid, [k]: 'h'.repeat(200_000) }) });
      if (s.format || s.enum || s.pattern)
        out.push({
          label: `${k}: control characters`,
          path: good,
          body: json({ ...valid, [k]: `${valid[k]}\u0001\u001b` }),
        });
    }
    if (s.type === 'array' && s.items?.format === 'uuid')
      out.push({
        label: `${k}: malformed id`,
        path: good,
        body: json({ ...valid, [k]: ['not-a-uuid\u0000'] }),
      });
  }
  return out;
}

const counts = { requests: 0, serverErrors: 0, shapeViolations: 0, writes: 0, socketCommands: 0 };

/** The answer's problems: a 5xx, or anything but the documented error shape. */
function problems(status: number, text: string, contentType: string | null): string[] {
  const found: string[] = [];
  if (status >= 500) {
    counts.serverErrors++;
    found.push(`5xx: ${text.slice(0, 160)}`);
  }
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: a shape violation below
  }
  const code = body?.error?.code;
  const shaped =
    status >= 400 &&
    /json/.test(contentType ?? '') &&
    typeof code === 'string' &&
    code in ERROR_STATUS &&
    ERROR_STATUS[code as keyof typeof ERROR_STATUS] === status &&
    typeof body.error.message === 'string' &&
    !/\n\s+at |Error:/.test(text);
  if (!shaped) {
    counts.shapeViolations++;
    found.push(`not the error shape (${status}): ${text.slice(0, 160)}`);
  }
  return found;
}

beforeAll(async () => {
  app = await startTestApp({
    FEEDBACK_PER_HOUR: '100000',
    IMPORTS_PER_HOUR: '100000',
    LOGIN_ATTEMPTS_PER_ACCOUNT: '100000',
    LOGIN_ATTEMPTS_PER_ADDRESS: '100000',
  });
  a = await seedSmallSchool(app, { code: 'FUZZA', name: 'Fuzz School A', families: 6, teachers: 3 });
  b = await seedSmallSchool(app, { code: 'FUZZB', name: 'Fuzz School B', families: 3, teachers: 2 });
  tokens.admin = await loginStaff(app, a.admin.email);
  tokens.teacher = await loginStaff(app, a.teachers[0]!.email);
  tokens.family = await loginFamily(app, a, 0);
  tokens.otherSchool = await loginStaff(app, b.admin.email);
  const operators = new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}op`, 100, 60),
  );
  await operators.create(
    { email: 'fuzz-ops@example.org', name: 'Ops', password: 'a long operator passphrase' },
    10,
  );
  const op = await app.api('POST', '/api/v1/operator/login', {
    body: { email: 'fuzz-ops@example.org', password: 'a long operator passphrase' },
  });
  tokens.operator = op.body.token;
  // Real rows of A for the ids in paths and bodies: a confirmed booking of family 0.
  const fam = a.families[0]!;
  const studentId = fam.studentIds[0]!;
  const teacherId = a.students.find((s) => s.id === studentId)!.teacherIds[0]!;
  const { rows } = await app.db.query<{ id: string }>(
    'SELECT id FROM slots WHERE event_id = $1 AND staff_id = $2 ORDER BY starts_at LIMIT 1',
    [a.eventId, teacherId],
  );
  const bookingId = await bookOnBehalf(app, tokens.admin, a, rows[0]!.id, fam.id, studentId);
  const feedback = await app.api('POST', '/api/v1/feedback', {
    token: tokens.family,
    body: { kind: 'feedback', subject: 'Fuzz', body: 'A real feedback row' },
  });
  const { rows: fb } = await app.db.query('SELECT id FROM feedback WHERE reference = $1', [
    feedback.body.reference,
  ]);
  // An interpreter of A, signed in through a link, for the interpreter's own routes. No
  // e-mail: a schedule mail asked with A's real ids is refused, so it writes nothing.
  const made = await app.api('POST', '/api/v1/admin/interpreters', {
    token: tokens.admin,
    body: { name: 'Fuzz Interpreter', languages: ['pl'] },
  });
  const seal = serverKeys(app.config.SERVER_SECRET).mailSeal;
  const link = await issueInterpreterLink(app.db, made.body.id, a.eventId, seal);
  const opened = await tokenForInterpreterMail(app.db, link.linkId, made.body.id, seal);
  const signedIn = await app.api('POST', '/api/v1/auth/interpreter/login', {
    body: { token: opened!.token },
  });
  tokens.interpreter = signedIn.body.token;
  Object.assign(A, {
    interpreter: made.body.id,
    event: a.eventId,
    teacher: teacherId,
    staff: a.teachers[1]!.id,
    slot: rows[0]!.id,
    booking: bookingId,
    hold: bookingId,
    family: fam.id,
    student: studentId,
    feedback: fb[0]?.id ?? randomUUID(),
    school: a.schoolId,
  });
  const { rows: t } = await app.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  // service_incidents is written by the server's own status watch every few seconds (a
  // part seen down or back, e.g. no workers in this test), never by a request.
  tables = t.map((r) => r.table_name).filter((name) => name !== 'service_incidents');
}, 60_000);
afterAll(() => app?.close());

async function send(input: BadInput, method: string, token: string | null) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (input.body) headers['content-type'] = input.body.type;
  const res = await fetch(`${app.url}${input.path}${input.query ?? ''}`, {
    method: method.toUpperCase(),
    headers,
    body: input.body?.text,
  });
  counts.requests++;
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

describe('bad input changes nothing', () => {
  it('every operation of the OpenAPI document, with the right role and with another school', async () => {
    const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
    const ops: { method: string; path: string; op: any }[] = [];
    for (const [path, methods] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(methods)) ops.push({ method, path, op });
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    const writes: string[] = [];
    for (const { method, path, op } of ops) {
      // Ends the session that sends it, by design, whatever the input (the operator's too,
      // now that operator routes are sent with the operator token).
      if (['logout', 'logoutOperator', 'logoutInterpreter'].includes(op.operationId)) continue;
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const isOperator = (op.tags ?? []).includes('operator') && !isPublic;
      const inputs = badInputs(method, path, op, doc);
      const before = await digests();
      // The role the operation serves: the first of A's tokens it does not refuse outright
      // (probed on ids that exist nowhere, without a body).
      let rightToken: string | null = null;
      if (isOperator) rightToken = tokens.operator;
      else if (!isPublic)
        for (const who of ['admin', 'family', 'teacher', 'interpreter'] as const) {
          const probe = await send(
            { label: 'probe', path: path.replace(/\{(\w+)\}/g, () => randomUUID()) },
            method,
            tokens[who],
          );
          if (probe.status !== 403) {
            rightToken = tokens[who];
            break;
          }
        }
      const callers = isPublic ? [null] : [rightToken, tokens.otherSchool];
      for (const token of callers) {
        const who = token === tokens.otherSchool ? 'other school' : 'right role';
        for (const input of token === tokens.otherSchool ? inputs.slice(0, 8) : inputs) {
          const res = await send(input, method, token);
          // Where no body is read, one sent is ignored and junk in the query is not read:
          // such a request may be answered like any other (a list, a 404 for its ids).
          const ignorable = input.label === 'an unread text body' || input.label === 'arrays in the query';
          if (res.status < 400 && !ignorable) {
            failures.push(
              `${who} ${method.toUpperCase()} ${path} [${input.label}] → ${res.status}: accepted`,
            );
            continue;
          }
          if (res.status < 400) continue;
          for (const p of problems(res.status, res.text, res.type))
            failures.push(`${who} ${method.toUpperCase()} ${path} [${input.label}] ${p}`);
        }
      }
      const moved = changed(before, await digests());
      if (moved.length) {
        counts.writes++;
        writes.push(`${method.toUpperCase()} ${path}: ${moved.join(', ')}`);
      }
    }
    console.log(
      `input fuzz (HTTP): ${ops.length} operations, ${counts.requests} requests, ${counts.serverErrors} 5xx, ${counts.shapeViolations} shape violations, ${counts.writes} writes`,
    );
    expect(failures).toEqual([]);
    expect(writes).toEqual([]);
  }, 120_000);

  it('every socket command, with a NUL idempotency key, wrong types, missing and extra fields', async () => {
    const base: Record<string, Record<string, unknown>> = {
      'event:join': { eventId: A.event },
      'event:leave': { eventId: A.event },
      'slot:hold': { slotId: A.slot, studentId: A.student, idempotencyKey: `fuzz-${randomUUID()}` },
      'hold:release': { holdId: A.booking, idempotencyKey: `fuzz-${randomUUID()}` },
      'booking:confirm': { eventId: A.event, idempotencyKey: `fuzz-${randomUUID()}` },
      'booking:cancel': { bookingId: A.booking, idempotencyKey: `fuzz-${randomUUID()}` },
      'booking:move': { bookingId: A.booking, slotId: A.slot, idempotencyKey: `fuzz-${randomUUID()}` },
      'slot:block': { slotId: A.slot, blocked: true, idempotencyKey: `fuzz-${randomUUID()}` },
    };
    const failures: string[] = [];
    const before = await digests();
    let sent = 0;
    for (const who of ['family', 'admin', 'otherSchool'] as const) {
      const socket = await app.socket(tokens[who]);
      for (const [name, valid] of Object.entries(base)) {
        const keyed = 'idempotencyKey' in valid;
        const inputs: unknown[] = [
          null,
          'x',
          [valid],
          { ...valid, zzExtra: 1 },
          ...Object.keys(valid).flatMap((k) => {
            const { [k]: _, ...rest } = valid;
            return [rest, { ...valid, [k]: 12345 }, { ...valid, [k]: `${valid[k]}\u0000` }];
          }),
          ...(keyed
            ? [
                // Longer than the schema allows, shorter than the socket's message limit (64 KB).
                { ...valid, idempotencyKey: 'k'.repeat(20_000) },
                { ...valid, idempotencyKey: 'key-\ud800-lone' },
                { ...valid, idempotencyKey: `k${'\u0000'.repeat(20)}` },
              ]
            : []),
        ];
        for (const input of inputs) {
          const ack: any = await Promise.race([
            ask(socket, name, input),
            new Promise((resolve) => setTimeout(() => resolve('no answer within 5 s'), 5000)),
          ]);
          sent++;
          const code = ack?.error?.code;
          if (ack?.ok !== false || !(code in ERROR_STATUS) || typeof ack.error.message !== 'string')
            failures.push(
              `${who} ${name} ${JSON.stringify(input).slice(0, 80)} → ${JSON.stringify(ack).slice(0, 160)}`,
            );
          else if (code === 'internal' || ERROR_STATUS[code as keyof typeof ERROR_STATUS] >= 500)
            failures.push(`${who} ${name} ${JSON.stringify(input).slice(0, 80)} → ${code}`);
        }
      }
      socket.disconnect();
    }
    counts.socketCommands = sent;
    const moved = changed(before, await digests());
    console.log(
      `input fuzz (sockets): ${sent} commands, ${failures.length} failures, writes to: ${moved.join(', ') || 'none'}`,
    );
    expect(failures).toEqual([]);
    expect(moved).toEqual([]);
  }, 60_000);
});
