import { z } from 'zod';
import { ERROR_STATUS } from '../../../protocol/errors.ts';
import type { RouteDef } from './route.ts';

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' });
}

const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfter: z.number().optional(),
    issuesNotListed: z.number().int().optional(),
  }),
});

/** The OpenAPI 3 document, generated from the same zod schemas that validate requests. */
export function buildOpenApi(routes: RouteDef<any, any>[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `/api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`;
    const parameters: unknown[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    }));
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
    };
    const codes = new Set([
      ...(r.errors ?? []),
      'invalid_input',
      ...(r.access === 'public' ? [] : (['unauthenticated', 'forbidden'] as const)),
    ] as (keyof typeof ERROR_STATUS)[]);
    for (const code of codes) {
      const status = String(ERROR_STATUS[code]);
      const existing = responses[status] as { description: string } | undefined;
      responses[status] = {
        description: existing ? `${existing.description}, ${code}` : code,
        content: { 'application/json': { schema: jsonSchema(ErrorResponse) } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      ...(r.access === 'public' ? { security: [] } : {}),
      parameters,
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Confer API',
      version,
      description: 'Parents’ evening booking. Bearer tokens, no cookies.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
