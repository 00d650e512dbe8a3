import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localeNames } from '../../protocol/locales.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage } from './support/parent-page.ts';
import { dataWords, untranslatedTexts } from './support/untranslated.ts';

/**
 * Every family-facing screen in the pseudo-locale en-XA (English, accented and bracketed ⟦…⟧,
 * i18n/pseudo-locale.ts): a word on screen that is neither pseudo-text nor data (a name, a
 * subject, a month from Intl) is English that skipped the message layer, and fails here.
 */
let app: TestApp;
let school: SeededSchool;
let browser: Browser;
let allowed: string[];

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app, { families: 6, teachers: 4 });
  browser = await launchBrowser();
  allowed = [
    ...(await dataWords(app.db, school.schoolId)),
    ...Object.values(localeNames).flatMap((n) => n.match(/\p{L}+/gu) ?? []),
  ];
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Collects what is untranslated, screen by screen, for one assertion at the end. */
function collector(page: Page) {
  const found: string[] = [];
  return {
    found,
    async check(screen: string) {
      for (const t of await untranslatedTexts(page, allowed)) found.push(`${screen}: ${t}`);
    },
  };
}

async function signInPseudo(page: Page, index: number) {
  const f = school.families[index]!;
  await page.goto(`${app.url}/?lang=en-XA`);
  await page.locator('#school-code').fill(school.schoolCode);
  await page.locator('#surname').fill(f.surname);
  await page.locator('#access-code').fill(f.accessCode);
  await page.locator('button[type="submit"]').click();
  await page.locator('[role="grid"], ul.teachers').first().waitFor();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-status')).toBe('live');
}

describe('the pseudo-locale finds no English outside the message layer', () => {
  it('on the sign-in page', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, context } = await newPage(browser, viewport);
      const c = collector(page);
      await page.goto(`${app.url}/?lang=en-XA`);
      await page.locator('h1').waitFor();
      expect(await page.locator('h1').textContent()).toContain('⟦');
      await c.check(`sign-in @${viewport.width}`);
      expect(c.found).toEqual([]);
      await context.close();
    }
  });
});
