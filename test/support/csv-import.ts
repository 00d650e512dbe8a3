import type { TestApp } from './test-app.ts';

type Answer = { status: number; body: any };

/** One POST /admin/imports with a raw CSV body. */
export async function postCsv(
  app: TestApp,
  token: string,
  csv: string | Uint8Array,
  query = '',
): Promise<Answer> {
  const res = await fetch(`${app.url}/api/v1/admin/imports${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv as BodyInit,
  });
  return { status: res.status, body: await res.json() };
}

/**
 * An import as the admin screen makes it: the check (`dryRun=1`), then the same file
 * with the plan it answered. `confirm` sends `confirmRemovals=1`. Answers the check's
 * refusal when the check refuses the file.
 */
export async function importCsv(
  app: TestApp,
  token: string,
  csv: string | Uint8Array,
  opts: { query?: string; confirm?: boolean } = {},
): Promise<Answer & { check: Answer }> {
  const extra = opts.query ? `&${opts.query.replace(/^\?/, '')}` : '';
  const check = await postCsv(app, token, csv, `?dryRun=1${extra}`);
  if (check.status !== 200) return { ...check, check };
  const confirm = opts.confirm ? '&confirmRemovals=1' : '';
  const done = await postCsv(app, token, csv, `?plan=${check.body.planId}${extra}${confirm}`);
  return { ...done, check };
}
