import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport, horizontalOverflow } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';

/** The privacy page passes axe (WCAG A/AA), sets no cookie, and reflows on a phone. */
let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'AXEPRIV' });
  await app.db.query(`UPDATE schools SET contact_email = 'office@axe.school.test' WHERE id = $1`, [
    school.schoolId,
  ]);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('the privacy page in a browser', () => {
  for (const [state, query] of [
    ["a school's page", '?school=AXEPRIV'],
    ['without a school (the code form)', ''],
    ['an unknown code', '?school=NOSUCH'],
  ] as const)
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 320, height: 640 },
    ])
      it(`${state} at ${viewport.width} px: no axe violations, no cookie, no sideways scrolling`, async () => {
        const context = await browser.newContext({ viewport });
        const page = await context.newPage();
        const res = await page.goto(`${app.url}/privacy${query}`);
        expect(res?.status()).toBe(200);
        expect(await axeReport(page, state)).toEqual([]);
        expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
        expect(await context.cookies()).toEqual([]);
        await context.close();
      });

  it('finds the school by its code from the form, without editing the address', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/privacy`);
    await page.getByLabel(/Your school's code/).fill('axepriv');
    await page.getByRole('button', { name: "Show my school's details" }).click();
    await page.getByText('Test School keeps personal data for').waitFor();
    expect(page.url()).toBe(`${app.url}/privacy?school=axepriv`);
    await expect(
      page.getByRole('link', { name: 'office@axe.school.test' }).first().getAttribute('href'),
    ).resolves.toBe('mailto:office@axe.school.test');
    await context.close();
  });
});
