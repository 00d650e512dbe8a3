import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cy from '../../i18n/paraglide/family/messages/cy.js';
import * as pl from '../../i18n/paraglide/family/messages/pl.js';
import * as ur from '../../i18n/paraglide/family/messages/ur.js';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage } from './support/parent-page.ts';

/**
 * A family reads the booking grid in Welsh, Polish and Urdu: chosen on the sign-in page, shown
 * at once (the compiled language's own words), saved on the family's record (its mail follows
 * it), right-to-left in Urdu with the teachers' column on the right. Screenshots of each go to
 * screenshots/ (grid-cy.png, grid-pl.png, grid-ur.png and the phone list at 390 px).
 */
let app: TestApp;
let school: SeededSchool;
let browser: Browser;
const SHOTS = path.resolve(import.meta.dirname, '../../screenshots');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app, { families: 6, teachers: 4 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const ENGLISH_CALENDAR_WORD =
  /\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|June|July|August|September|October|November|December)\b/;

const LANGUAGES = [
  { locale: 'cy', m: cy, dir: 'ltr', family: 0 },
  { locale: 'pl', m: pl, dir: 'ltr', family: 1 },
  { locale: 'ur', m: ur, dir: 'rtl', family: 2 },
] as const;

async function signInChoosing(page: Page, locale: string, index: number, heading: string) {
  const f = school.families[index]!;
  await page.goto(app.url);
  await page.locator('#login-language').selectOption(locale);
  await expect.poll(() => page.locator('h1').textContent()).toBe(heading);
  await page.locator('#school-code').fill(school.schoolCode);
  await page.locator('#surname').fill(f.surname);
  await page.locator('#access-code').fill(f.accessCode);
  await page.locator('button[type="submit"]').click();
  await page.locator('[role="grid"], ul.teachers').first().waitFor();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-status')).toBe('live');
}

describe('a family reads the grid in its own language', () => {
  for (const { locale, m, dir, family } of LANGUAGES) {
    it(`in ${locale}: chosen at sign-in, shown, saved on the family's record, ${dir}`, async () => {
      const { page, context } = await newPage(browser, { width: 1280, height: 900 });
      await signInChoosing(page, locale, family, m.login_heading({}));
      expect(
        await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
      ).toEqual([locale, dir]);
      expect(await page.title()).toBe(m.app_title({}));
      // The grid's texts come from the language's own messages.
      await expect.poll(() => page.locator('body').textContent()).toContain(m.footer_feedback({}));
      // Dates in the language too, even where the browser's Intl lacks it (this Chromium has no
      // Welsh calendar data: client/src/lib/i18n/calendar-names.ts).
      expect(await page.locator('main, body').first().textContent()).not.toMatch(ENGLISH_CALENDAR_WORD);
      // Saved on the family's record, so its mail is written in it.
      await expect
        .poll(async () => {
          const { rows } = await app.db.query<{ language: string | null }>(
            'SELECT language FROM families WHERE id = $1',
            [school.families[family]!.id],
          );
          return rows[0]?.language;
        })
        .toBe(locale);
      if (dir === 'rtl') {
        // Mirrored: the sticky teachers' column is on the right of the grid.
        const grid = await page.locator('[role="grid"]').first().boundingBox();
        const header = await page.locator('[role="grid"] [role="rowheader"]').first().boundingBox();
        expect(grid && header).toBeTruthy();
        expect(header!.x + header!.width / 2).toBeGreaterThan(grid!.x + grid!.width / 2);
      }
      expect(await axeReport(page, `grid ${locale}`)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `grid-${locale}.png`) });
      await context.close();

      // The phone list at 390 px, signed in again in the same language (saved on the record).
      const phone = await newPage(browser, { width: 390, height: 844 });
      await signInChoosing(phone.page, locale, family, m.login_heading({}));
      await phone.page.screenshot({
        path: path.join(SHOTS, `phone-list-${locale}-390.png`),
        fullPage: false,
      });
      await phone.context.close();
    }, 90_000);
  }
});
