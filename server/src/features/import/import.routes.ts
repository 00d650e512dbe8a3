import type { Request } from 'express';
import { z } from 'zod';
import { ImportPlanReport, ImportRecordList, RestoreReport } from '../../../../protocol/imports.ts';
import { ImportKind } from '../../../../protocol/schools.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import type { RateLimit } from '../../infra/rate-limit.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import { type ImportIssue, ImportRejected } from './csv-table.ts';
import type { ImportService } from './import.service.ts';

/** The query the import reads (the handler checks it, with messages of its own): for the API document. */
const ImportQuery = z.object({
  kind: ImportKind.optional().describe('What the file holds; detected from its header row when absent.'),
  dryRun: z
    .enum(['1', 'true'])
    .optional()
    .describe(
      'Check the file: answers the plan (every row added, changed and removed) and its `planId`; nothing but the plan is stored.',
    ),
  plan: z
    .uuid()
    .optional()
    .describe(
      'Import: the `planId` a check of this same file answered. Applies exactly that plan; 409 import_plan_stale if the file or the school changed since.',
    ),
  confirmRemovals: z
    .enum(['1', 'true'])
    .optional()
    .describe(
      'The admin confirms removals above the rule (docs/schools.md); without it such a plan answers 409 import_confirmation_required.',
    ),
  encoding: z
    .enum(['utf-8', 'windows-1252'])
    .optional()
    .describe('The text encoding of the file (utf-8 when absent).'),
});

const ImportParams = z.object({ importId: z.uuid() });

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

export function importRoutes(imports: ImportService, limit: RateLimit, maxBytes: number): AnyRoute[] {
  const yes = (v: unknown) => v === '1' || v === 'true';
  return [
    defineRoute({
      method: 'post',
      path: '/admin/imports',
      operationId: 'importCsv',
      summary:
        'Checks or imports one CSV file (body: the file, Content-Type text/csv), in two steps. `dryRun=1` checks it and answers the plan: counts of staff, students, families, family links and class-list links added, changed and removed, role changes, the removals by name, whether they need a confirmation, and a `planId`. `plan=<planId>` with the same file (and query) imports exactly that plan, refused with 409 import_plan_stale if the file or the school changed since the check, and with 409 import_confirmation_required when the plan needs `confirmRemovals=1` and it is missing. Query: kind (else detected from the header), encoding=windows-1252. All or nothing; a refusal lists the first 100 problems as `<line>.<column>` and counts the rest (`issuesNotListed`). Files over IMPORT_MAX_BYTES are refused with 413.',
      tags: ['import'],
      access: 'admin',
      upload: 'text/csv',
      query: ImportQuery,
      response: ImportPlanReport,
      errors: [
        'invalid_input',
        'not_found',
        'import_plan_stale',
        'import_confirmation_required',
        'payload_too_large',
        'rate_limited',
        'unavailable',
      ],
      handler: async ({ principal, req }) => {
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
        const dryRun = yes(q.dryRun);
        const planId = typeof q.plan === 'string' && q.plan ? q.plan : null;
        // An import applies what a check showed: there is no import without one.
        if (dryRun === Boolean(planId))
          throw new DomainError('invalid_input', undefined, {
            issues: [
              {
                path: planId ? 'dryRun' : 'plan',
                message: planId
                  ? 'Either check (dryRun=1) or import a checked plan (plan=…), not both.'
                  : 'Check the file first (dryRun=1), then import it with the planId the check answered (plan=…).',
              },
            ],
          });
        // Only the check does the heavy work (the file on a CPU thread); the import
        // hashes the file and writes a plan already computed.
        if (dryRun) {
          const outcome = await limit.consume(principal.schoolId);
          if (!outcome.allowed)
            throw new DomainError('rate_limited', 'Too many imports. Please wait a little.', {
              retryAfter: outcome.retryAfterSeconds,
            });
        }
        const bytes = await readUpload(req, maxBytes);
        const byStaffId = principal.kind === 'staff' ? principal.staffId : null;
        const opts = { kind: kind?.data, encoding, byStaffId } as const;
        try {
          const report = planId
            ? await imports.import(principal.schoolId, bytes, {
                ...opts,
                planId,
                confirmRemovals: yes(q.confirmRemovals),
              })
            : await imports.plan(principal.schoolId, bytes, opts);
          return { ok: true, data: report };
        } catch (err) {
          if (err instanceof ImportRejected) throw rejection(err.issues, err.notListed);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/imports',
      operationId: 'listImports',
      summary:
        "The school's latest 20 imports, newest first: counts, and whether the state before each can be restored now (nothing changed since that restoring would lose).",
      tags: ['import'],
      access: 'admin',
      response: ImportRecordList,
      handler: async ({ principal }) => ({ ok: true, data: await imports.list(principal.schoolId) }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/imports/:importId/restore',
      operationId: 'restoreImport',
      summary:
        'Restores the state before an import: the links it removed come back, the fields it changed go back, the rows it added go. Refused with 409 import_restore_conflict, nothing written, if anything changed since that this would lose (a later import, a change in the staff screens, an appointment booked through a link it added, a person it added now used elsewhere). Appointments are never cancelled by a restore.',
      tags: ['import'],
      access: 'admin',
      params: ImportParams,
      response: RestoreReport,
      errors: ['not_found', 'import_restore_conflict'],
      handler: async ({ principal, params }) => ({
        ok: true,
        data: await imports.restore(
          principal.schoolId,
          params.importId,
          principal.kind === 'staff' ? principal.staffId : null,
        ),
      }),
    }),
  ];
}
