import { z } from 'zod';
import { ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from '../../../protocol/errors.ts';
import { API_TAGS } from './api-tags.ts';
import { type Access, type AnyRoute, recordedIn } from './route.ts';

function recordedText(recorded: ReturnType<typeof recordedIn>): string {
  if (recorded === 'audit') return 'in the record of transactions (GET /api/v1/admin/transactions).';
  if (recorded === 'booking_log')
    return 'each booking or slot change in the booking log, in its own transaction.';
  if (recorded === 'by_service')
    return 'in the record of transactions (GET /api/v1/admin/transactions), in the change’s own transaction.';
  return `not recorded: ${recorded.not}.`;
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
}

const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfter: z.number().optional(),
    issuesNotListed: z.number().int().optional(),
  }),
});

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const RETRY_AFTER_REF = { $ref: '#/components/headers/RetryAfter' };

/** Who may call, in the words of the document; the security scheme says how. */
const WHO: Record<Access, string> = {
  public: 'anyone, without a token.',
  any: 'any signed-in family or staff member (a school session); an interpreter’s session is refused (403).',
  family: 'a family (a family’s school session).',
  staff: 'staff: teachers and admins (a staff school session).',
  admin: 'an admin of the school (a staff session with the admin role).',
  operator:
    'the service operator, with the operator token from `loginOperator`; a school session is refused (403).',
  interpreter:
    'an interpreter, with the session from `loginInterpreter` (their schedule mail’s one-time link); every family or staff session is refused (403).',
};

function security(access: Access): { [scheme: string]: string[] }[] {
  if (access === 'public') return [];
  return [access === 'operator' ? { operator: [] } : { session: [] }];
}

/**
 * The refusals an operation can answer with. Besides those its route declares, some
 * can happen to every operation, whatever its handler does (found by fuzzing):
 * the JSON parser runs before any route, so a malformed body is 400 and one over
 * BODY_LIMIT is 413 even on a GET; a body that is not JSON where one is read is 415;
 * a path id that is not one is 404; any call may meet PostgreSQL or Redis down (503)
 * or a defect (500).
 */
function refusals(r: AnyRoute): Set<ErrorCode> {
  const codes = new Set<ErrorCode>(r.errors ?? []);
  codes.add('invalid_input');
  codes.add('payload_too_large');
  if (r.body) codes.add('unsupported_media_type');
  if (r.access !== 'public') {
    codes.add('unauthenticated');
    codes.add('forbidden');
  }
  if (/:\w+/.test(r.path)) codes.add('not_found');
  codes.add('unavailable');
  codes.add('internal');
  return codes;
}

function errorResponses(codes: Set<ErrorCode>): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERROR_MESSAGES[c]}`).join(' '),
      ...(list.includes('rate_limited') || list.includes('unavailable')
        ? { headers: { 'Retry-After': RETRY_AFTER_REF } }
        : {}),
      content: { 'application/json': { schema: ERROR_REF } },
    };
  }
  return responses;
}

/** One query parameter per property of the route's query schema. */
function queryParameters(query: z.ZodObject): unknown[] {
  const schema = jsonSchema(query) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function requestBody(r: AnyRoute): Record<string, unknown> | undefined {
  if (r.upload)
    return {
      required: true,
      description: `The file itself as the request body (not multipart), Content-Type ${r.upload}.`,
      content: { [r.upload]: { schema: { type: 'string', format: 'binary' } } },
    };
  if (r.body) return { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
  return undefined;
}

/**
 * The OpenAPI 3 document, generated from the same route definitions and zod schemas
 * that validate requests. Linted with Redocly in CI (`npm run lint:api`).
 */
export function buildOpenApi(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const tagsUsed = new Set<string>();
  for (const r of routes) {
    // A route without words would reach the document as a bare path: refuse at start-up.
    if (!r.summary.trim()) throw new Error(`${r.operationId}: a route needs a summary`);
    if (r.tags.length === 0) throw new Error(`${r.operationId}: a route needs a tag`);
    for (const t of r.tags) tagsUsed.add(t);
    const path = `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters: unknown[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
    if (r.query) parameters.push(...queryParameters(r.query));
    if (r.idempotent) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A retry with the same key returns the first answer; another body with it gets 422.',
        schema: { type: 'string', minLength: 8, maxLength: 128 },
      });
    }
    const responses: Record<string, unknown> = {
      200: r.produces
        ? { description: 'A file download', content: { [r.produces]: { schema: { type: 'string' } } } }
        : { description: 'OK', content: { 'application/json': { schema: jsonSchema(r.response) } } },
      ...errorResponses(refusals(r)),
    };
    const body = requestBody(r);
    const recorded = recordedIn(r);
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      description: `${r.summary}\n\nWho may call: ${WHO[r.access]}${r.method === 'get' ? '' : `\n\nRecorded: ${recordedText(recorded)}`}`,
      tags: [...r.tags],
      // Where the change is recorded; the record walk reads it.
      ...(r.method === 'get' ? {} : { 'x-recorded': typeof recorded === 'string' ? recorded : 'not' }),
      security: security(r.access),
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: body } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Confer API',
      version,
      description:
        'Parents’ evening booking. Bearer tokens, no cookies. Every refusal has the shape `{ error: { code, message } }` with a code from a closed set.',
    },
    servers: [{ url: '/' }],
    tags: Object.entries(API_TAGS)
      .filter(([name]) => tagsUsed.has(name))
      .map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        session: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A school session: the token from `loginFamily` or `loginStaff`, sent as `Authorization: Bearer <token>`.',
        },
        operator: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The service operator’s token from `loginOperator`, sent as `Authorization: Bearer <token>`. A school session is not one.',
        },
      },
      schemas: { Error: jsonSchema(ErrorResponse) },
      headers: {
        RetryAfter: {
          description: 'Seconds to wait before trying again.',
          schema: { type: 'integer', minimum: 0 },
        },
      },
    },
    security: [{ session: [] }],
    paths,
  };
}
