import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ImportPanel from '../../client/src/admin/school/ImportPanel.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import type { ImportPlanReport } from '../../protocol/imports.ts';
import { adminApi } from './fixtures/admin-api.ts';

const csv = 'family_id,surname,email\nF1,Hill,\nF2,,x\nF3,Khan,not-an-email\n,Ode,\n';
const planId = '7d1c2b3a-0000-4000-8000-000000000001';
const importId = '7d1c2b3a-0000-4000-8000-000000000002';
const none = { added: 0, changed: 0, removed: 0 };

function choose(file: File) {
  const input = screen.getByLabelText('CSV file') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  return fireEvent.change(input);
}

/** A check of a class list cutting Ms Repro's list from 94 to 1 (the issue's case). */
function cutPlan(over: Partial<ImportPlanReport> = {}): ImportPlanReport {
  return {
    kind: 'class-lists',
    dryRun: true,
    rows: 1,
    created: 0,
    updated: 0,
    removed: 93,
    planId,
    importId: null,
    changes: {
      staff: none,
      students: none,
      families: none,
      familyLinks: none,
      classLinks: { added: 0, changed: 0, removed: 93 },
      roles: { granted: 0, removed: 0 },
    },
    removals: [
      {
        list: 'class-list',
        owner: 'Rita Repro (REP-T)',
        student: 'Pupil1 Repro, 8R (REP-S01)',
        hasAppointment: true,
      },
      {
        list: 'class-list',
        owner: 'Rita Repro (REP-T)',
        student: 'Pupil2 Repro, 8R (REP-S02)',
        hasAppointment: false,
      },
    ],
    removalsNotListed: 91,
    languagesNotOffered: 0,
    confirmation: {
      needed: true,
      reasons: ['Rita Repro (REP-T): 93 of 94 students removed from the class list (94 → 1).'],
    },
    ...over,
  };
}

const history =
  (imports: unknown[] = []) =>
  () => ({ ok: true as const, data: { imports } });

describe('CSV import screen', () => {
  it('uploads the raw file and names every bad row: line, column and reason', async () => {
    const { api, calls } = adminApi({
      'GET /admin/imports': history(),
      'POST /admin/imports?kind=families&dryRun=1': () => ({
        ok: false,
        error: {
          code: 'invalid_input',
          message: '3 problems in the file; nothing was imported.',
          issues: [
            { path: '3.surname', message: 'Required.' },
            { path: '4.email', message: 'Not an e-mail address.' },
            { path: '5.family_id', message: 'Required.' },
          ],
        },
      }),
    });
    const announcer = new Announcer();
    render(ImportPanel, { api, announcer });
    await choose(new File([csv], 'families.csv', { type: 'text/csv' }));
    await fireEvent.change(screen.getByLabelText('Kind of file'), { target: { value: 'families' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Check file' }));

    const table = await screen.findByRole('table');
    expect(within(table).getByText(/3 problems found\. Nothing was imported\./)).toBeTruthy();
    const rows = within(table)
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('th,td')].map((c) => c.textContent?.trim()));
    expect(rows).toEqual([
      ['3', 'surname', 'Required.'],
      ['4', 'email', 'Not an e-mail address.'],
      ['5', 'family_id', 'Required.'],
    ]);
    expect(announcer.assertive).toContain('3 problems');
    // The file itself went up, not JSON.
    const post = calls.filter((c) => c.method === 'POST');
    expect(post).toHaveLength(1);
    expect(post[0]!.body).toBeInstanceOf(Blob);
    expect(await (post[0]!.body as Blob).text()).toBe(csv);
  });

  it('shows the plan, asks for the confirmation above the rule, imports exactly the plan, and can restore', async () => {
    const { api, calls } = adminApi({
      'GET /admin/imports': history(),
      'POST /admin/imports?dryRun=1': () => ({ ok: true, data: cutPlan() }),
      [`POST /admin/imports?plan=${planId}&confirmRemovals=1`]: () => ({
        ok: true,
        data: cutPlan({ dryRun: false, planId: null, importId }),
      }),
      [`POST /admin/imports/${importId}/restore`]: () => ({
        ok: true,
        data: { importId, restored: 93, rolesChanged: 0 },
      }),
    });
    const announcer = new Announcer();
    render(ImportPanel, { api, announcer });
    const file = new File(['staff_id,student_id\nREP-T,REP-S00\n'], 'c.csv', { type: 'text/csv' });
    await choose(file);
    await fireEvent.click(screen.getByRole('button', { name: 'Check file' }));

    const report = await screen.findByTestId('import-report');
    expect(report.textContent).toContain('nothing written');
    expect(report.textContent).toContain('93 to remove');
    const counts = screen.getByTestId('plan-counts');
    const classRow = within(counts).getByRole('row', { name: /Class-list links/ });
    expect([...classRow.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['0', '0', '93']);
    const removals = screen.getByTestId('plan-removals');
    expect(within(removals).getByText(/93 removals \(the first 2 listed\)/)).toBeTruthy();
    expect(within(removals).getByRole('row', { name: /Pupil1 Repro/ }).textContent).toContain(
      'Has an appointment (kept)',
    );
    expect(screen.getByText(/93 of 94 students removed/)).toBeTruthy();
    expect(announcer.polite).toContain('need your confirmation');

    // Not importable until the removals are confirmed.
    const importButton = screen.getByRole('button', { name: 'Import file' }) as HTMLButtonElement;
    expect(importButton.disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText(/I have looked at these removals/));
    expect(importButton.disabled).toBe(false);
    await fireEvent.click(importButton);
    await screen.findByText(/Imported: class-lists, 1 rows — 0 new, 0 changed, 93 removed\./);
    const posted = calls.filter((c) => c.method === 'POST').map((c) => c.path);
    expect(posted).toEqual(['/admin/imports?dryRun=1', `/admin/imports?plan=${planId}&confirmRemovals=1`]);
    // The same file both times.
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([file, file]);

    await fireEvent.click(screen.getByRole('button', { name: 'Restore the state before this import' }));
    // Asked first: nothing sent yet.
    expect(calls.some((c) => c.path.endsWith('/restore'))).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Yes, restore' }));
    expect((await screen.findByTestId('restore-report')).textContent).toContain('93 rows put back');
    expect(calls.some((c) => c.path === `/admin/imports/${importId}/restore`)).toBe(true);
  });

  it('a plan made stale by a change since the check must be checked again', async () => {
    const { api } = adminApi({
      'GET /admin/imports': history(),
      'POST /admin/imports?dryRun=1': () => ({
        ok: true,
        data: cutPlan({ confirmation: { needed: false, reasons: [] } }),
      }),
      [`POST /admin/imports?plan=${planId}`]: () => ({
        ok: false,
        error: { code: 'import_plan_stale', message: 'The school’s data changed since the check.' },
      }),
    });
    render(ImportPanel, { api, announcer: new Announcer() });
    await choose(new File(['staff_id,student_id\n'], 'c.csv', { type: 'text/csv' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Check file' }));
    await fireEvent.click(await screen.findByRole('button', { name: 'Import file' }));
    expect((await screen.findByRole('alert')).textContent).toContain('changed since the check');
    expect(screen.queryByRole('button', { name: 'Import file' })).toBeNull();
  });

  it('lists recent imports with a restore button only where nothing since would be lost', async () => {
    const { api } = adminApi({
      'GET /admin/imports': history([
        {
          id: importId,
          kind: 'students',
          at: '2025-03-01T10:00:00.000Z',
          rows: 4,
          created: 1,
          updated: 2,
          removed: 0,
          restoredAt: null,
          restorable: true,
        },
        {
          id: planId,
          kind: 'class-lists',
          at: '2025-02-28T10:00:00.000Z',
          rows: 9,
          created: 0,
          updated: 0,
          removed: 3,
          restoredAt: null,
          restorable: false,
        },
      ]),
    });
    render(ImportPanel, { api, announcer: new Announcer() });
    await screen.findByText(/students, 4 rows: 1 added, 2 changed, 0 removed/);
    const items = within(screen.getByRole('region', { name: 'Recent imports' })).getAllByRole('listitem');
    const restores = items.map((li) => within(li).queryByRole('button', { name: /Restore/ }) !== null);
    expect(restores).toEqual([true, false]);
    expect(items[1]!.textContent).toContain('cannot be restored');
  });
});
