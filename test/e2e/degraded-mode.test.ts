import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { migrate } from '../../server/src/infra/migrate.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { cell, newPage, signInFamily } from './support/parent-page.ts';
import { allSlots, studentOf, teacherSlots } from './support/school-picks.ts';

// Issue 16: PostgreSQL stops while a family has its page open. The page keeps the
// appointments it had, says booking is paused and as of when, and comes back by
// itself once PostgreSQL is back; /status says the database is down meanwhile.
let server: PrivatePostgres;
let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrate(server.url);
  app = await startTestApp(
    { DATABASE_POOL_SIZE: '6' },
    { database: { name: 'confer', url: server.url, drop: async () => {} }, clientDir: CLIENT_DIST },
  );
  school = await seedSmallSchool(app);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await server?.destroy();
});

describe('degraded mode in a real browser', () => {
  it('a family keeps its itinerary with the banner while PostgreSQL is stopped, and resyncs without a reload', async () => {
    const child = studentOf(school, 0);
    const all = await allSlots(app, school);
    const slots = teacherSlots(all, child.teacherIds[0]!);
    // Another teacher, well away from the appointment: a time the family may hold.
    const other = teacherSlots(all, child.teacherIds[1]!)[12]!;
    const token = await loginFamily(app, school, 0);
    const held = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: slots[2]!.id, studentId: child.id },
    });
    expect(held.status).toBe(200);
    const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
      token,
      body: { eventId: school.eventId, holdIds: [held.body.id] },
    });
    expect(confirmed.status).toBe(200);

    const { page, context } = await newPage(browser);
    await signInFamily(page, app.url, school, 0);
    await page.getByRole('button', { name: 'My appointments (1)' }).click();
    await expect.poll(() => page.getByTestId('itinerary-item').count()).toBe(1);
    await page.getByRole('button', { name: 'Book' }).click();

    await server.stop();
    const stopped = Date.now();
    // The family tries to hold another time: refused 503, and the page learns the service is away.
    await cell(page, other.id, child.id).click();
    const banner = page.getByTestId('degraded-banner');
    await banner.waitFor({ timeout: 90_000 });
    console.log(`degraded mode: the banner appeared ${Date.now() - stopped} ms after PostgreSQL stopped`);
    expect(await banner.textContent()).toMatch(
      /Booking is paused for a moment; your appointments are as of \d\d:\d\d\./,
    );
    await page.getByRole('button', { name: /My appointments/ }).click();
    expect(await banner.textContent()).toMatch(
      /Booking is paused for a moment; your appointments below are as of \d\d:\d\d\./,
    );
    expect(await page.getByTestId('itinerary-item').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Change' }).count()).toBe(0);
    expect(await axeReport(page, 'itinerary while paused')).toEqual([]);

    // A reload while it is still down: the tab kept the evening and the appointments.
    await page.reload();
    await banner.waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'My appointments (1)' }).click();
    expect(await page.getByTestId('itinerary-item').count()).toBe(1);
    expect(await banner.textContent()).toMatch(/your appointments below are as of \d\d:\d\d\./);

    // The status page says so, to anyone, and passes axe.
    const status = await browser.newContext();
    const statusPage = await status.newPage();
    await statusPage.goto(`${app.url}/status`);
    expect(await statusPage.locator('[data-component="database"]').textContent()).toBe('Not working');
    expect(await axeReport(statusPage, '/status with the database down')).toEqual([]);
    expect(await status.cookies()).toEqual([]);
    await status.close();

    const restarted = Date.now();
    await server.restart();
    await banner.waitFor({ state: 'detached', timeout: 90_000 });
    const recoveryMs = Date.now() - restarted;
    console.log(`degraded mode: the family's page resynced ${recoveryMs} ms after PostgreSQL restarted`);
    expect(await page.getByTestId('itinerary-item').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Change' }).count()).toBe(1);
    await context.close();
  }, 240_000);
});
