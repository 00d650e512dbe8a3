import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage, signInStaff } from './support/parent-page.ts';

let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const families = (rows: string) => Buffer.from(`family_id,surname,email\n${rows}`);

describe('admin CSV import in a real browser', () => {
  it('a file with bad rows is refused row by row; the corrected file imports; the views are counted anonymously', async () => {
    const admin = await newPage(browser, { width: 360, height: 800 });
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('tab', { name: 'Import' }).click();
    const input = admin.page.getByLabel('CSV file');

    await input.setInputFiles({
      name: 'families.csv',
      mimeType: 'text/csv',
      buffer: families('E2E-1,Okafor,okafor@example.org\nE2E-2,,\nE2E-3,Nowak,not-an-address\n'),
    });
    await admin.page.getByRole('button', { name: 'Check file' }).click();
    const issues = admin.page.getByRole('table');
    await expect.poll(() => issues.locator('caption').textContent()).toMatch(/2 problems found/);
    const lines = await issues.locator('tbody th').allTextContents();
    expect(lines).toEqual(['3', '4']);
    const none = await app.db.query("SELECT count(*)::int AS n FROM families WHERE external_id LIKE 'E2E-%'");
    expect(none.rows[0].n).toBe(0);

    await input.setInputFiles({
      name: 'families.csv',
      mimeType: 'text/csv',
      buffer: families('E2E-1,Okafor,okafor@example.org\nE2E-2,Brown,\nE2E-3,Nowak,nowak@example.org\n'),
    });
    await admin.page.getByRole('button', { name: 'Check file' }).click();
    await expect
      .poll(() => admin.page.getByTestId('import-report').textContent())
      .toMatch(/Check passed \(nothing written\): families, 3 rows — 3 to add/);
    const checked = await app.db.query(
      "SELECT count(*)::int AS n FROM families WHERE external_id LIKE 'E2E-%'",
    );
    expect(checked.rows[0].n).toBe(0);
    await admin.page.getByRole('button', { name: 'Import file' }).click();
    await expect
      .poll(() => admin.page.getByTestId('import-report').textContent())
      .toMatch(/Imported: families, 3 rows — 3 new/);
    const made = await app.db.query(
      "SELECT surname FROM families WHERE external_id LIKE 'E2E-%' ORDER BY external_id",
    );
    expect(made.rows.map((r) => r.surname)).toEqual(['Okafor', 'Brown', 'Nowak']);

    // The beacon counted the sections for this school: names and counters only.
    await expect
      .poll(async () => {
        const { rows } = await app.db.query(
          "SELECT page, views FROM traffic_daily WHERE school_id = $1 AND page LIKE 'admin-%' ORDER BY page",
          [school.schoolId],
        );
        return rows.map((r) => `${r.page}:${r.views}`);
      })
      .toEqual(['admin-console:1', 'admin-import:1']);
    await admin.context.close();
  });

  it('a class list cut to one student shows every removal, needs the confirmation, and the state before it can be restored', async () => {
    const { rows: lists } = await app.db.query<{ staff_ext: string; n: number }>(
      `SELECT s.external_id AS staff_ext, count(*)::int AS n FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id
        WHERE s.school_id = $1 GROUP BY s.external_id ORDER BY n DESC, s.external_id LIMIT 1`,
      [school.schoolId],
    );
    const teacher = lists[0]!;
    expect(teacher.n).toBeGreaterThan(1);
    const listOf = async () =>
      (
        await app.db.query<{ ext: string }>(
          `SELECT st.external_id AS ext FROM teacher_students ts JOIN staff s ON s.id = ts.staff_id
             JOIN students st ON st.id = ts.student_id WHERE s.external_id = $1 AND s.school_id = $2 ORDER BY 1`,
          [teacher.staff_ext, school.schoolId],
        )
      ).rows.map((r) => r.ext);
    const before = await listOf();

    const admin = await newPage(browser, { width: 1024, height: 900 });
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('tab', { name: 'Import' }).click();
    await admin.page.getByLabel('CSV file').setInputFiles({
      name: 'class-list.csv',
      mimeType: 'text/csv',
      // One student with another subject: one change, every other student removed.
      buffer: Buffer.from(
        `staff_id,student_id,subject\n${teacher.staff_ext},${before[0]},Not the same subject\n`,
      ),
    });
    await admin.page.getByRole('button', { name: 'Check file' }).click();
    const removals = admin.page.getByTestId('plan-removals');
    await expect
      .poll(() => removals.locator('caption').textContent())
      .toBe(`${teacher.n - 1} removal${teacher.n === 2 ? '' : 's'}`);
    expect(await removals.locator('tbody tr').count()).toBe(teacher.n - 1);
    expect(await admin.page.getByText(`${teacher.n - 1} of ${teacher.n} students removed`).count()).toBe(1);
    const importButton = admin.page.getByRole('button', { name: 'Import file' });
    expect(await importButton.isDisabled()).toBe(true);
    expect(await listOf()).toEqual(before);

    await admin.page.getByLabel(/I have looked at these removals/).check();
    await importButton.click();
    await expect
      .poll(() => admin.page.getByTestId('import-report').textContent())
      .toMatch(new RegExp(`Imported: class-lists, 1 rows — 0 new, 1 changed, ${teacher.n - 1} removed`));
    expect(await listOf()).toEqual([before[0]]);

    await admin.page.getByRole('button', { name: 'Restore the state before this import' }).first().click();
    await admin.page.getByRole('button', { name: 'Yes, restore' }).click();
    await expect
      .poll(() => admin.page.getByTestId('restore-report').textContent())
      .toMatch(new RegExp(`${teacher.n} rows put back`));
    expect(await listOf()).toEqual(before);
    await admin.context.close();
  });

  it('every school section loads without an error, and feedback goes from the footer form to resolved', async () => {
    const admin = await newPage(browser, { width: 360, height: 800 });
    // The sections' own requests, not the anonymous page-view beacon: Chromium reports no
    // end for that keepalive request in this run (the server answers it: schools-stats),
    // so Playwright's 'networkidle' never came. Unexplained; noted in the issue.
    const inFlight = new Set<Request>();
    admin.page.on('request', (r) => {
      if (!r.url().includes('/stats/page-view')) inFlight.add(r);
    });
    admin.page.on('requestfinished', (r) => inFlight.delete(r));
    admin.page.on('requestfailed', (r) => inFlight.delete(r));
    const sectionLoaded = async () => {
      let quietSince = Date.now();
      while (Date.now() - quietSince < 500) {
        if (inFlight.size > 0) quietSince = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('tab', { name: 'Live console' }).waitFor();

    await admin.page.getByRole('button', { name: 'Feedback or complaint' }).click();
    await admin.page.getByRole('radio', { name: 'Complaint' }).check();
    await admin.page.getByLabel('Subject', { exact: true }).fill('Room list missing');
    await admin.page.getByLabel('Your message').fill('The room for Year 9 is not shown.');
    await admin.page.getByRole('button', { name: 'Send' }).click();
    const reference = (await admin.page.getByTestId('feedback-reference').textContent())!;
    expect(reference).toMatch(/^FB-/);

    for (const [tab, heading] of [
      ['Staff', 'Staff accounts'],
      ['Access codes', 'Family access codes'],
      ['Booking log', /^Booking log/],
      ['Record of changes', 'Record of every change'],
      ['Statistics', 'Statistics'],
      ['Data rights', 'Family data rights'],
      ['Retention', 'Retention and privacy'],
      ['Feedback inbox', 'Feedback and complaints'],
    ] as const) {
      await admin.page.getByRole('tab', { name: tab, exact: true }).click();
      await admin.page.getByRole('heading', { level: 2, name: heading }).waitFor();
      await sectionLoaded();
      expect(await admin.page.locator('main [role=alert]').count(), tab).toBe(0);
    }

    await admin.page.getByRole('button', { name: reference }).click();
    await admin.page.getByLabel(/^Reply/).fill('Added the room list.');
    await admin.page.getByLabel('Change status to').selectOption('resolved');
    await admin.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => admin.page.getByTestId('detail-status').textContent()).toBe('Resolved');
    const { rows } = await app.db.query('SELECT status FROM feedback WHERE reference = $1', [reference]);
    expect(rows[0].status).toBe('resolved');
    await admin.context.close();
  });

  it("access codes: one family's new code is shown once, and the letters open as a print page with fresh codes", async () => {
    const admin = await newPage(browser, { width: 360, height: 800 });
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('tab', { name: 'Access codes' }).click();
    await admin.page.getByRole('radio', { name: 'One family' }).check();
    const family = school.families[0]!;
    await admin.page.getByLabel('Family surname').fill(family.surname);
    await admin.page.getByRole('button', { name: 'Find' }).click();
    await admin.page.getByRole('list', { name: 'Families found' }).getByRole('button').first().click();
    await admin.page.getByRole('button', { name: 'Show the new codes here' }).click();
    const shown = admin.page.locator('table code');
    await shown.waitFor();
    const code = (await shown.textContent())!;
    expect(code).not.toBe(family.accessCode);

    const [letters] = await Promise.all([
      admin.page.waitForEvent('popup'),
      admin.page.getByRole('button', { name: 'Print letters with the new codes' }).click(),
    ]);
    await letters.waitForURL(/^blob:/);
    const text = (await letters.locator('body').textContent()) ?? '';
    expect(text).toContain(family.surname);
    expect(text).not.toContain(code);
    await admin.context.close();
  });
});
