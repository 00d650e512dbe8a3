import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport, horizontalOverflow, overflowingElements } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage, signInFamily, signInStaff } from './support/parent-page.ts';

// Issue 16, the operator's tools for the night: a message posted on the operator's
// screen for one school reaches that school's open pages (family, teacher, admin) at
// once, changed and ended likewise, and not another school's; the operator pauses one
// event of a school from the screen and its families' page says so live. Every state
// passes axe at 1280 and 320 px without sideways scrolling; screenshots in screenshots/.
let app: TestApp;
let hillside: SeededSchool;
let other: SeededSchool;
let browser: Browser;
const SHOTS = path.resolve('screenshots');

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  hillside = await seedSmallSchool(app, { code: 'HILL', name: 'Hillside School', families: 4, teachers: 3 });
  other = await seedSmallSchool(app, { code: 'OTHR', name: 'Other School', families: 2, teachers: 2 });
  await new OperatorAuth(
    app.db,
    60_000,
    new RateLimit(app.redis, `${app.config.REDIS_PREFIX}o`, 10, 60),
  ).create({ email: 'ops-night@example.org', name: 'Night Operator', password: 'operator pass phrase' }, 10);
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function audit(page: Page, state: string): Promise<string[]> {
  const found = await axeReport(page, state);
  const wider = await horizontalOverflow(page);
  if (wider > 0)
    found.push(`${state}: ${wider} px too wide: ${(await overflowingElements(page)).join(', ')}`);
  return found;
}

async function signInOperator(page: Page): Promise<void> {
  await page.goto(`${app.url}/operator`);
  await page.getByLabel('E-mail address').fill('ops-night@example.org');
  await page.getByLabel('Password').fill('operator pass phrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Schools', exact: true }).waitFor();
}

const messagesOn = (page: Page) => page.getByTestId('service-message').allTextContents();

describe('the operator’s messages and pause, on the operator’s screen and the schools’ pages', () => {
  it('a message for Hillside reaches its family, teacher and admin pages live, changed and ended; the other school sees nothing', async () => {
    const op = await newPage(browser);
    await signInOperator(op.page);
    const family = await newPage(browser, { width: 390, height: 844 });
    await signInFamily(family.page, app.url, hillside, 0);
    const teacher = await newPage(browser, { width: 390, height: 844 });
    await signInStaff(teacher.page, app.url, hillside.teachers[0]!.email);
    await teacher.page.getByRole('heading', { name: /Your evening/ }).waitFor();
    const admin = await newPage(browser);
    await signInStaff(admin.page, app.url, hillside.admin.email);
    await admin.page.getByRole('grid').first().waitFor();
    const elsewhere = await newPage(browser, { width: 390, height: 844 });
    await signInFamily(elsewhere.page, app.url, other, 0);
    const schoolPages = [family.page, teacher.page, admin.page];
    for (const p of [...schoolPages, elsewhere.page]) expect(await messagesOn(p)).toEqual([]);

    await op.page.getByRole('button', { name: 'Status and messages' }).click();
    await op.page.getByRole('heading', { name: 'Last incidents' }).waitFor();
    await op.page
      .getByLabel('Message (up to 500 characters)')
      .fill('Booking for Hillside opens at 19:30 instead.');
    await op.page.getByLabel('Shown to').selectOption({ label: 'Hillside School only' });
    await op.page.getByRole('button', { name: 'Post message' }).click();
    await op.page.getByTestId('op-message').waitFor();
    for (const p of schoolPages)
      await expect
        .poll(() => messagesOn(p), { timeout: 10_000 })
        .toEqual([expect.stringContaining('Booking for Hillside opens at 19:30 instead.')]);
    expect(await messagesOn(elsewhere.page)).toEqual([]);
    const violations = [
      ...(await audit(op.page, 'operator status and messages')),
      ...(await audit(family.page, 'family page with a message')),
      ...(await audit(teacher.page, 'teacher page with a message')),
    ];
    await op.page.screenshot({ path: path.join(SHOTS, 'operator-status-messages.png'), fullPage: true });
    await family.page.screenshot({ path: path.join(SHOTS, 'school-message-family-390.png') });
    await teacher.page.screenshot({ path: path.join(SHOTS, 'school-message-teacher-390.png') });

    // Changed: the pages show the new words; a page reloaded reads it again.
    await op.page.getByRole('button', { name: 'Change this message' }).click();
    await op.page.getByLabel('New words').fill('Booking for Hillside opens at 19:45 instead.');
    await op.page.getByRole('button', { name: 'Save' }).click();
    for (const p of schoolPages)
      await expect
        .poll(() => messagesOn(p), { timeout: 10_000 })
        .toEqual([expect.stringContaining('19:45 instead.')]);
    await family.page.reload();
    await expect.poll(() => messagesOn(family.page)).toEqual([expect.stringContaining('19:45 instead.')]);

    // The public /status page shows it too, escaped, at a phone's width.
    const status = await newPage(browser, { width: 320, height: 640 });
    await status.page.goto(`${app.url}/status`);
    expect(await status.page.getByTestId('status-message').textContent()).toContain(
      'For Hillside School: Booking for Hillside opens at 19:45 instead.',
    );
    violations.push(...(await audit(status.page, '/status with a message @320')));
    await status.page.screenshot({ path: path.join(SHOTS, 'status-message-320.png'), fullPage: true });

    // Ended: gone from every page without a reload, kept in the operator's list as ended.
    await op.page.getByRole('button', { name: 'End this message' }).click();
    for (const p of schoolPages) await expect.poll(() => messagesOn(p), { timeout: 10_000 }).toEqual([]);
    await op.page.getByRole('heading', { name: 'Ended' }).waitFor();

    // The same screen at 320 px.
    await op.page.setViewportSize({ width: 320, height: 640 });
    violations.push(...(await audit(op.page, 'operator status and messages @320')));
    await op.page.setViewportSize({ width: 1280, height: 900 });
    expect(violations).toEqual([]);
    for (const c of [op, family, teacher, admin, elsewhere, status]) await c.context.close();
  }, 180_000);

  it('the operator pauses one event of Hillside from the screen: its families see the message live; resumed likewise', async () => {
    const op = await newPage(browser);
    await signInOperator(op.page);
    const family = await newPage(browser, { width: 390, height: 844 });
    await signInFamily(family.page, app.url, hillside, 1);
    const banner = family.page.getByTestId('paused-banner');

    await op.page.getByRole('button', { name: 'Pause booking' }).click();
    await op.page.getByRole('heading', { name: 'One event' }).waitFor();
    const row = op.page.getByTestId('op-pause-event').filter({ hasText: 'Hillside School' });
    await row.getByRole('button', { name: /^Pause…/ }).click();
    await row.getByLabel('Message the families of Hillside School see').fill('Back at 19:30, sorry.');
    await row.getByRole('button', { name: 'Pause this event' }).click();
    await row.getByText(/Paused since/).waitFor();
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('Back at 19:30, sorry.');
    const violations = [
      ...(await audit(op.page, 'operator pause, one event paused')),
      ...(await audit(family.page, 'family page paused by the operator')),
    ];
    await op.page.screenshot({ path: path.join(SHOTS, 'operator-pause.png'), fullPage: true });
    await family.page.screenshot({ path: path.join(SHOTS, 'family-paused-by-operator-390.png') });
    const { rows } = await app.db.query('SELECT paused_message FROM events WHERE id = $1', [
      hillside.eventId,
    ]);
    expect(rows[0]!.paused_message).toBe('Back at 19:30, sorry.');

    // Every school, after a confirmation; then resumed.
    await op.page.getByLabel('Message families see while booking is paused').fill('Maintenance until 19:10.');
    await op.page.getByRole('button', { name: 'Pause booking at every school…' }).click();
    await op.page.getByRole('button', { name: 'Yes, pause every school' }).click();
    await op.page.getByTestId('op-paused-all').waitFor();
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('Maintenance until 19:10.');
    await op.page.setViewportSize({ width: 320, height: 640 });
    violations.push(...(await audit(op.page, 'operator pause, every school @320')));
    await op.page.setViewportSize({ width: 1280, height: 900 });
    await op.page.getByRole('button', { name: 'Resume booking at every school' }).click();
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('Back at 19:30, sorry.');
    await row.getByRole('button', { name: /^Resume/ }).click();
    await expect.poll(() => banner.locator('p.paused').count(), { timeout: 10_000 }).toBe(0);
    expect(violations).toEqual([]);
    await op.context.close();
    await family.context.close();
  }, 180_000);
});
