import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp, testPrefix } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { cell, newPage, signInFamily, signInStaff } from './support/parent-page.ts';
import { allSlots, studentOf, teacherSlots } from './support/school-picks.ts';

let database: TestDatabase;
let prefix: string;
let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  // The database outlives the app, so the server can be restarted on it.
  database = await createTestDatabase();
  prefix = testPrefix();
  app = await startTestApp({}, { database, prefix, clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

describe('live changes and resync in a real browser', () => {
  it("an admin blocks a slot in the console and a parent's grid greys it out live", async () => {
    const child = studentOf(school, 0);
    const target = teacherSlots(await allSlots(app, school), child.teacherIds[0]!)[5]!;
    const parent = await newPage(browser);
    await signInFamily(parent.page, app.url, school, 0);
    const parentCell = cell(parent.page, target.id, child.id);
    expect(await parentCell.getAttribute('data-state')).toBe('free');

    const admin = await newPage(browser, { width: 1440, height: 900 });
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('grid').waitFor();
    await cell(admin.page, target.id).click();
    await admin.page.getByRole('button', { name: 'Block', exact: true }).click();
    await expect.poll(() => admin.page.getByTestId('console-result').textContent()).toMatch(/blocked\.$/);
    await expect.poll(() => cell(admin.page, target.id).getAttribute('data-state')).toBe('blocked');
    expect(await admin.page.getByTestId('console-counts').textContent()).toMatch(/\b1 blocked/);

    await expect.poll(() => parentCell.getAttribute('data-state')).toBe('blocked');
    expect(await parentCell.textContent()).toBe('N/A');
    expect(await parentCell.getAttribute('aria-disabled')).toBe('true');
    await admin.context.close();
    await parent.context.close();
  });

  it('the server restarts: the page says Reconnecting…, then resyncs to what changed meanwhile', async () => {
    const child = studentOf(school, 1);
    const slots = teacherSlots(await allSlots(app, school), child.teacherIds[0]!);
    const changed = slots[8]!;
    const parent = await newPage(browser);
    await signInFamily(parent.page, app.url, school, 1);
    const indicator = parent.page.getByTestId('connection');
    await expect.poll(() => indicator.getAttribute('data-status')).toBe('live');
    const target = cell(parent.page, changed.id, child.id);
    expect(await target.getAttribute('data-state')).toBe('free');

    const port = Number(new URL(app.url).port);
    await app.close();
    await expect.poll(() => indicator.textContent()).toContain('Reconnecting…');

    // While no server runs, the slot is blocked behind everyone's back: no fact will ever say so.
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    await c.query("UPDATE slots SET blocked = true, version = nextval('change_version_seq') WHERE id = $1", [
      changed.id,
    ]);
    await c.end();
    expect(await target.getAttribute('data-state')).toBe('free');

    app = await startTestApp({}, { database, prefix, clientDir: CLIENT_DIST, port });
    await expect.poll(() => indicator.getAttribute('data-status'), { timeout: 20_000 }).toBe('live');
    await expect.poll(() => target.getAttribute('data-state')).toBe('blocked');
    // Still the same page and session: no reload, no sign-in.
    expect(await parent.page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    await parent.context.close();
  });
});
