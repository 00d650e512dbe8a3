import type { Request } from 'express';
import { z } from 'zod';
import { ImportKind, ImportReport } from '../../../../protocol/schools.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import type { RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../domain-error.ts';
import { type ImportIssue, ImportRejected } from './csv-table.ts';
import type { ImportService } from './import.service.ts';

/** The query the import reads (the handler checks it, with messages of its own): for the API document. */
const ImportQuery = z.object({
  kind: ImportKind.optional().describe('What the file holds; detected from its header row when absent.'),
  dryRun: z
    .enum(['1', 'true'])
    .optional()
    .describe('Check the file and report what would change; nothing is written.'),
  encoding: z
    .enum(['utf-8', 'windows-1252'])
    .optional()
    .describe('The text encoding of the file (utf-8 when absent).'),
});

/** The upload is the raw file (any content type but JSON), read here up to the limit. */
async function readUpload(req: Request, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes)
      throw new DomainError('payload_too_large', `The file is larger than ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The first problems, in the closed error shape: path `<line>.<column>`, message the
 * reason; `issuesNotListed` counts the rest.
 */
export function rejection(issues: ImportIssue[], notListed = 0): DomainError {
  const total = issues.length + notListed;
  const listed = notListed ? ` (the first ${issues.length} are listed)` : '';
  return new DomainError(
    'invalid_input',
    `${total} problem${total === 1 ? '' : 's'} in the file${listed}; nothing was imported.`,
    {
      issues: issues.map((i) => ({ path: `${i.line}.${i.column}`, message: i.reason })),
      ...(notListed ? { issuesNotListed: notListed } : {}),
    },
  );
}

export function importRoutes(
  imports: ImportService,
  limit: RateLimit,
  maxBytes: number,
): RouteDef<any, any>[] {
  return [
    defineRoute({
      method: 'post',
      path: '/admin/imports',
      operationId: 'importCsv',
      summary:
        'Imports one CSV file (body: the file, Content-Type text/csv). Query: kind (else detected from the header), dryRun=1, encoding=windows-1252. All or nothing; a refusal lists the first 100 problems as `<line>.<column>` and counts the rest (`issuesNotListed`). Files over IMPORT_MAX_BYTES are refused with 413.',
      tags: ['import'],
      access: 'admin',
      upload: 'text/csv',
      query: ImportQuery,
      response: ImportReport,
      errors: ['invalid_input', 'payload_too_large', 'rate_limited', 'unavailable'],
      handler: async ({ principal, req }) => {
        const outcome = await limit.consume(principal.schoolId);
        if (!outcome.allowed)
          throw new DomainError('rate_limited', 'Too many imports. Please wait a little.', {
            retryAfter: outcome.retryAfterSeconds,
          });
        const q = req.query;
        const kind = typeof q.kind === 'string' && q.kind ? ImportKind.safeParse(q.kind) : null;
        if (kind && !kind.success)
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'kind', message: `Use one of: ${ImportKind.options.join(', ')}.` }],
          });
        const encoding = q.encoding === 'windows-1252' ? 'windows-1252' : 'utf-8';
        if (typeof q.encoding === 'string' && q.encoding && !['utf-8', 'windows-1252'].includes(q.encoding))
          throw new DomainError('invalid_input', undefined, {
            issues: [{ path: 'encoding', message: 'Use utf-8 or windows-1252.' }],
          });
        const bytes = await readUpload(req, maxBytes);
        try {
          const report = await imports.run(principal.schoolId, bytes, {
            kind: kind?.data,
            encoding,
            dryRun: q.dryRun === '1' || q.dryRun === 'true',
            byStaffId: principal.kind === 'staff' ? principal.staffId : null,
          });
          return { ok: true, data: report };
        } catch (err) {
          if (err instanceof ImportRejected) throw rejection(err.issues, err.notListed);
          throw err;
        }
      },
    }),
  ];
}
