import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ImportPanel from '../../client/src/admin/school/ImportPanel.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';

const csv = 'family_id,surname,email\nF1,Hill,\nF2,,x\nF3,Khan,not-an-email\n,Ode,\n';

function choose(file: File) {
  const input = screen.getByLabelText('CSV file') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  return fireEvent.change(input);
}

describe('CSV import screen', () => {
  it('uploads the raw file and names every bad row: line, column and reason', async () => {
    const { api, calls } = adminApi({
      'POST /admin/imports?kind=families': () => ({
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
    await fireEvent.click(screen.getByLabelText(/Check only/));
    await fireEvent.click(screen.getByRole('button', { name: 'Import file' }));

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
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toBeInstanceOf(Blob);
    expect(await (calls[0]!.body as Blob).text()).toBe(csv);
  });

  it('a dry run that passes says nothing was written', async () => {
    const { api, calls } = adminApi({
      'POST /admin/imports?dryRun=1': () => ({
        ok: true,
        data: { kind: 'families', dryRun: true, rows: 4, created: 4, updated: 0, removed: 0 },
      }),
    });
    render(ImportPanel, { api, announcer: new Announcer() });
    await choose(new File(['family_id,surname\nF1,Hill\n'], 'f.csv', { type: 'text/csv' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Check file' }));
    const report = await screen.findByTestId('import-report');
    expect(report.textContent).toContain('nothing written');
    expect(report.textContent).toContain('4 rows');
    expect(calls.map((c) => c.path)).toEqual(['/admin/imports?dryRun=1']);
  });
});
