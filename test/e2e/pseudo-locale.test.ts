import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERPRETER_LANGUAGES } from '../../protocol/interpreter-languages.ts';
import { localeNames } from '../../protocol/locales.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
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
    // The product's name.
    'Confer',
    // The interpreter languages a family picks from, each by its own name (data, not English).
    ...INTERPRETER_LANGUAGES.flatMap((l) => l.name?.match(/\p{L}+/gu) ?? []),
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

/** Blocks every free time of one teacher, so the family is offered that teacher's waiting list. */
async function fillTeacher(teacherId: string) {
  const admin = await loginStaff(app, school.admin.email);
  const avail = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
  for (const s of (avail.body.slots as { id: string; teacherId: string; state: string }[]).filter(
    (x) => x.teacherId === teacherId && x.state === 'free',
  )) {
    const res = await app.api('POST', `/api/v1/slots/${s.id}/block`, {
      token: admin,
      body: { blocked: true },
      headers: { 'idempotency-key': `pseudo-block-${s.id}` },
    });
    expect(res.status).toBe(200);
  }
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
      // A refused sign-in's message too.
      await page.locator('#school-code').fill('NOPE');
      await page.locator('#surname').fill('Nobody');
      await page.locator('#access-code').fill('WRONG-CODE');
      await page.locator('button[type="submit"]').click();
      await page.getByTestId('login-error').waitFor();
      await c.check(`sign-in refused @${viewport.width}`);
      expect(c.found).toEqual([]);
      await context.close();
    }
  });

  it('on the grid, the hold tray, the planner, waiting lists, the itinerary and the feedback form (desktop)', async () => {
    const family = school.families[0]!;
    const child = school.students.find((s) => s.id === family.studentIds[0])!;
    await fillTeacher(child.teacherIds[0]!);
    const { page, context } = await newPage(browser, DESKTOP);
    const c = collector(page);
    await signInPseudo(page, 0);
    await c.check('grid');
    // A hold: the tray with its countdown.
    await page.locator('[role="grid"] [data-state="free"]').first().click();
    await page.locator('section.tray').waitFor();
    await c.check('grid with a hold');
    // The waiting list of the fully booked teacher.
    await page.getByTestId('full-teacher').first().waitFor();
    await c.check('waiting lists');
    // The planner, with a proposal.
    await page.locator('button[aria-controls="planner-box"]').click();
    const planner = page.getByTestId('planner');
    await planner.waitFor();
    await c.check('planner');
    // Confirm the hold: the itinerary.
    await page.locator('section.tray button.confirm').click();
    await expect.poll(() => page.getByTestId('itinerary-item').count()).toBeGreaterThan(0);
    await c.check('itinerary');
    // The signed-in feedback form.
    await page.locator('footer.site-footer button').click();
    await page.locator('section.feedback form').waitFor();
    await c.check('feedback form');
    expect(c.found).toEqual([]);
    await context.close();
  }, 120_000);

  it('on the server pages a family opens: privacy, feedback', async () => {
    const { page, context } = await newPage(browser, PHONE);
    const c = collector(page);
    for (const path of [`/privacy?school=${school.schoolCode}&lang=en-XA`, '/feedback?lang=en-XA']) {
      const res = await page.goto(`${app.url}${path}`);
      expect(res?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toContain('⟦');
      await c.check(path);
    }
    expect(c.found).toEqual([]);
    await context.close();
  });

  it('on a phone at 390 px: the list of teachers, a teacher opened, a hold', async () => {
    const { page, context } = await newPage(browser, PHONE);
    const c = collector(page);
    await signInPseudo(page, 1);
    await c.check('phone list');
    await page.locator('ul.teachers button[data-state="free"]').first().click();
    await page.locator('section.tray').waitFor();
    await c.check('phone list with a hold');
    expect(c.found).toEqual([]);
    await context.close();
  }, 120_000);
});
