import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The API document is complete (finding 8): what Redocly's lint does not
 * check — answers every operation can give, query parameters, the CSV upload, the
 * operator's security scheme — checked here against the served document, and where
 * it can be, against the server's real answers.
 */

let app: TestApp;
let doc: any;
const ops: { method: string; path: string; op: any }[] = [];

beforeAll(async () => {
  // A small body limit, so one request per operation shows its 413.
  app = await startTestApp({ BODY_LIMIT: '1kb' });
  const res = await app.api('GET', '/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
  for (const [p, methods] of Object.entries<any>(doc.paths))
    for (const [method, op] of Object.entries<any>(methods)) ops.push({ method, path: p, op });
});
afterAll(() => app?.close());

/** A JSON body on any method: fetch() refuses one on GET, and the server's JSON parser reads it anyway. */
function sendBody(method: string, url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${app.url}${url}`,
      { method, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const byId = (operationId: string) => {
  const found = ops.find((o) => o.op.operationId === operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  return found.op;
};

describe('the API document', () => {
  it('describes and tags every operation, and describes every tag it uses', () => {
    expect(ops.length).toBeGreaterThan(80);
    const declared = new Map<string, string>((doc.tags ?? []).map((t: any) => [t.name, t.description]));
    const problems: string[] = [];
    for (const { op } of ops) {
      if (typeof op.description !== 'string' || op.description.trim().length < 20)
        problems.push(`${op.operationId}: no description`);
      if (!Array.isArray(op.tags) || op.tags.length === 0) problems.push(`${op.operationId}: no tags`);
      for (const t of op.tags ?? [])
        if (!declared.get(t)?.trim()) problems.push(`${op.operationId}: tag ${t} is not described`);
    }
    expect(problems).toEqual([]);
  });

  it('documents the 4xx and 5xx answers every operation can give, 413 and 503 included', () => {
    const problems: string[] = [];
    for (const { op } of ops) {
      const statuses = Object.keys(op.responses);
      const want = ['400', '413', '500', '503'];
      if (op.requestBody?.content?.['application/json']) want.push('415');
      if (Array.isArray(op.security) && op.security.length > 0) want.push('401', '403');
      for (const s of want) if (!statuses.includes(s)) problems.push(`${op.operationId}: no ${s}`);
      const unavailable = op.responses['503'];
      if (unavailable && !unavailable.headers?.['Retry-After'])
        problems.push(`${op.operationId}: 503 without Retry-After`);
    }
    expect(problems).toEqual([]);
  });

  it('every operation really answers 413 to a body over the limit, as documented', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2048) });
    const problems: string[] = [];
    for (const { method, path: p, op } of ops) {
      const url = p.replace(/\{(\w+)\}/g, '00000000-0000-4000-8000-000000000000');
      const res = await sendBody(method.toUpperCase(), url, big);
      if (res.status !== 413) problems.push(`${op.operationId}: answered ${res.status}`);
      else if (!op.responses['413']) problems.push(`${op.operationId}: 413 not documented`);
      else expect(JSON.parse(res.text).error.code).toBe('payload_too_large');
    }
    expect(problems).toEqual([]);
  });

  it('documents the query parameters the handlers read', () => {
    const search = byId('searchFamilies');
    expect(search.parameters).toContainEqual(
      expect.objectContaining({ name: 'q', in: 'query', required: true }),
    );
    const names = (byId('importCsv').parameters ?? [])
      .filter((p: any) => p.in === 'query')
      .map((p: any) => p.name)
      .sort();
    expect(names).toEqual(['confirmRemovals', 'dryRun', 'encoding', 'kind', 'plan']);
  });

  it('every route whose handler reads the query declares its query schema', () => {
    // The document's query parameters come from RouteDef.query: a handler that reads
    // req.query without declaring it would be an undocumented parameter again.
    const root = path.resolve(import.meta.dirname, '../../server/src/features');
    const problems: string[] = [];
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.routes.ts'),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const blocks = readFileSync(path.join(root, file), 'utf8').split('defineRoute(').slice(1);
      for (const block of blocks)
        if (/req\.query/.test(block) && !/\n\s*query:/.test(block))
          problems.push(`${file}: ${block.match(/operationId: '(\w+)'/)?.[1] ?? '?'}`);
    }
    expect(problems).toEqual([]);
  });

  it('declares the CSV import’s request body', () => {
    const body = byId('importCsv').requestBody;
    expect(body?.required).toBe(true);
    expect(Object.keys(body?.content ?? {})).toEqual(['text/csv']);
  });

  it('puts the operator routes under the operator’s security scheme, not public', async () => {
    expect(doc.components.securitySchemes.operator).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operatorOps = ops.filter(
      ({ op }) => op.tags.includes('operator') && op.operationId !== 'loginOperator',
    );
    expect(operatorOps.length).toBe(20);
    for (const { op } of operatorOps) expect(op.security, op.operationId).toEqual([{ operator: [] }]);
    expect(byId('loginOperator').security).toEqual([]);
    // And the document says what the server does: no token is 401, a school session's 403.
    const res = await app.api('GET', '/api/v1/operator/schools');
    expect(res.status).toBe(401);
  });
});
