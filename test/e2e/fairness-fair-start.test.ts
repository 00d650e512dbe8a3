import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { startTestWorkers, workerHooks } from '../integration/workers-harness.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { londonTime } from './support/london-time.ts';
import { newPage, signInFamily } from './support/parent-page.ts';

let app: TestApp;
let school: SeededSchool;
let browser: Browser;
let workers: RunningWorkers;
let windowEndsAt: string;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST, hooks: workerHooks });
  // Opens in 12 s; fair start can only be chosen before opening, so choose it at once.
  school = await seedSmallSchool(app, {
    opensInMinutes: 0.2,
    families: 4,
    teachers: 3,
    teachersPerStudent: 3,
  });
  const admin = await loginStaff(app, school.admin.email);
  const set = await app.api('PUT', `/api/v1/events/${school.eventId}/fairness`, {
    token: admin,
    body: { mode: 'fair_start', windowMinutes: 0.25 },
  });
  if (set.status !== 200) throw new Error(`fair start not set: ${JSON.stringify(set.body)}`);
  windowEndsAt = set.body.windowEndsAt;
  workers = await startTestWorkers(app, { only: ['fairness'] });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await workers?.close();
  await app?.close();
});

describe('fair start in a real browser', () => {
  it('the family sends ranked requests, sees "allocation at HH:MM" in school time, and the result arrives live', async () => {
    const allocationAt = londonTime(Date.parse(windowEndsAt));

    const { page } = await newPage(browser, { width: 360, height: 800 });
    await signInFamily(page, app.url, school, 0);
    const fair = page.getByTestId('fair-start');
    await expect
      .poll(() => fair.getByTestId('fair-notice').textContent())
      .toContain(`Allocation at ${allocationAt}.`);

    // The form appears by itself once booking opens.
    const add = fair.getByLabel('Add a teacher');
    await add.waitFor({ timeout: 20_000 });
    await add.selectOption({ index: 1 });
    await fair.getByRole('button', { name: 'Add' }).click();
    await fair.getByRole('button', { name: 'Send my requests' }).click();
    await expect
      .poll(() => fair.getByTestId('fair-notice').textContent())
      .toBe(`Your requests are in; allocation at ${allocationAt}.`);
    const pending = await app.db.query(`SELECT 1 FROM bookings WHERE event_id = $1`, [school.eventId]);
    expect(pending.rowCount).toBe(0);

    // The fairness worker draws at the end of the window; the page hears it live.
    await expect
      .poll(
        () =>
          fair
            .getByTestId('fair-message')
            .textContent()
            .catch(() => ''),
        { timeout: 30_000, interval: 250 },
      )
      .toMatch(/The allocation has run: you have 1 appointment/);
    await expect
      .poll(() => page.getByRole('button', { name: /My appointments/ }).textContent())
      .toContain('(1)');
  }, 90_000);
});
