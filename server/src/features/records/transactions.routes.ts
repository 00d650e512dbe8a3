import type { Request } from 'express';
import { z } from 'zod';
import { TransactionPage } from '../../../../protocol/transactions.ts';
import { type AnyRoute, defineRoute } from '../../http/route.ts';
import { DomainError } from '../../refusals/domain-error.ts';
import type { TransactionQuery, TransactionsService } from './transactions.service.ts';

/** The query both operations read (the handler parses it): for the API document. */
const Query = z.object({
  from: z.string().optional().describe('Only entries at or after this instant (ISO 8601 with offset).'),
  to: z.string().optional().describe('Only entries before this instant (ISO 8601 with offset).'),
  limit: z.string().optional().describe('Entries per page, 1–500 (100 when absent).'),
  before: z.string().optional().describe('The `next` of the previous page, to read older entries.'),
});

function instant(value: unknown, path: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = z.iso.datetime({ offset: true }).safeParse(value);
  if (!parsed.success)
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path, message: 'An ISO 8601 instant with an offset, e.g. 2026-12-01T19:00:00Z.' }],
    });
  return new Date(parsed.data);
}

function readQuery(req: Request): TransactionQuery {
  const q = req.query;
  const limit = q.limit === undefined ? undefined : Number(q.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 500))
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path: 'limit', message: 'A whole number from 1 to 500.' }],
    });
  if (q.before !== undefined && typeof q.before !== 'string')
    throw new DomainError('invalid_input', undefined, {
      issues: [{ path: 'before', message: 'One cursor.' }],
    });
  return { from: instant(q.from, 'from'), to: instant(q.to, 'to'), limit, before: q.before || undefined };
}

export function transactionsRoutes(transactions: TransactionsService): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/admin/transactions',
      operationId: 'getTransactions',
      summary:
        "The school's record of every transaction, newest first: each booking and slot change (the booking log) and every other change a person or a worker made (settings, availability, staff, access codes, imports, erasures, notes, waiting lists, fair-start draws, sign-ins), with who, when, what and, where kept, before and after.",
      tags: ['records'],
      access: 'admin',
      query: Query,
      response: TransactionPage,
      errors: ['invalid_input'],
      handler: async ({ principal, req }) => ({
        ok: true,
        data: await transactions.page(principal, readQuery(req)),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/transactions.csv',
      operationId: 'exportTransactionsCsv',
      summary:
        "The school's record of every transaction as CSV (times in the school's zone; at most 20,000 rows — narrow with from/to).",
      tags: ['records'],
      access: 'admin',
      query: Query,
      response: z.string(),
      produces: 'text/csv',
      errors: ['invalid_input'],
      handler: async ({ principal, req }) => ({
        ok: true,
        data: await transactions.csv(principal, readQuery(req)),
      }),
    }),
  ];
}
