import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SeededSchool } from '../../../server/src/features/demo/demo-seed.ts';
import { PASSWORD } from '../../support/fixtures.ts';

export interface Signed {
  context: BrowserContext;
  page: Page;
}

export async function newPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<Signed> {
  const context = await browser.newContext({ viewport, timezoneId: 'Pacific/Honolulu', locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Signs a family in through the form, as a parent would. */
export async function signInFamily(
  page: Page,
  url: string,
  school: SeededSchool,
  index: number,
): Promise<void> {
  const f = school.families[index]!;
  await page.goto(url);
  await page.getByLabel('School code').fill(school.schoolCode);
  await page.getByLabel('Your surname').fill(f.surname);
  await page.getByLabel('Family access code').fill(f.accessCode);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Wide screens show each child's grid; below 640 px the phone list of teachers.
  await page.locator('[role="grid"], ul.teachers').first().waitFor();
}

export async function signInStaff(
  page: Page,
  url: string,
  email: string,
  password = PASSWORD,
): Promise<void> {
  await page.goto(`${url}/staff`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The grid cell of a slot, in one child's grid (or anywhere on the page when omitted). */
export function cell(page: Page, slotId: string, studentId?: string) {
  return page.locator(`${studentId ? `#child-${studentId} ` : ''}[data-slot="${slotId}"]`).first();
}
