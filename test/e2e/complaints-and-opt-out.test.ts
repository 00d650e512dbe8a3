import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorAuth } from '../../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../../server/src/infra/rate-limit.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage } from './support/parent-page.ts';

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('complaints and the system-update opt-out in a browser', () => {
  it('a sender follows a complaint the operator answered on the operator screen; every page passes axe', async () => {
    const violations: string[] = [];
    const { page, context } = await newPage(browser);

    // The public form, as a parent without an account sends it.
    await page.goto(`${app.url}/feedback`);
    await page.getByLabel('This is').selectOption('complaint');
    await page.getByLabel('Your name').fill('A Parent');
    await page.getByLabel('Subject').fill('Booking page slow');
    await page.getByLabel('Your message').fill('It took a minute to load.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    violations.push(...(await axeReport(page, 'thank-you')));
    const reference = (await page.locator('strong').first().textContent())!;
    const secret = (await page.locator('.code').textContent())!;
    expect(reference).toMatch(/^FB-[A-Z0-9]{8}$/);

    // The operator's screen: sign in, open the item, answer it.
    await new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}o`, 10, 60),
    ).create({ email: 'ops@example.org', name: 'Ops Person', password: 'operator pass phrase' }, 10);
    await page.goto(`${app.url}/operator`);
    await page.getByRole('heading', { name: 'Confer operator sign-in' }).waitFor();
    violations.push(...(await axeReport(page, 'operator-login')));
    await page.getByLabel('E-mail address').fill('ops@example.org');
    await page.getByLabel('Password').fill('operator pass phrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The operator's screen opens on the schools, then the use of the service.
    await page.getByRole('heading', { name: 'Schools', exact: true }).waitFor();
    violations.push(...(await axeReport(page, 'operator-schools')));
    await page.getByRole('button', { name: 'Use of the service' }).click();
    await page.getByTestId('totals').waitFor();
    violations.push(...(await axeReport(page, 'operator-traffic')));
    await page.getByRole('button', { name: 'Service updates' }).click();
    await page.getByLabel('Subject').fill('Maintenance on Saturday');
    await page.getByLabel('Message').fill('Confer is down from 06:00 to 07:00.');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('preview-text').waitFor();
    violations.push(...(await axeReport(page, 'operator-updates')));
    await page.getByRole('button', { name: 'Service inbox' }).click();
    await page.getByRole('button', { name: reference }).click();
    await page.getByTestId('detail-status').waitFor();
    violations.push(...(await axeReport(page, 'operator-inbox')));
    await page.getByLabel(/^Answer/).fill('We added capacity; it loads in two seconds now.');
    await page.getByLabel('Change status to').selectOption('resolved');
    await page.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => page.getByTestId(`status-${reference}`).textContent()).toBe('Resolved');
    // The school sessions' storage is untouched: the operator token has its own key.
    expect(await page.evaluate(() => sessionStorage.getItem('confer.session'))).toBeNull();

    // The sender's status page.
    await page.goto(`${app.url}/feedback/status`);
    violations.push(...(await axeReport(page, 'status-form')));
    await page.getByLabel(/Reference number/).fill(reference);
    await page.getByLabel('Secret').fill('WRONG-SECRET');
    await page.getByRole('button', { name: 'Show the status' }).click();
    await page.getByRole('alert').waitFor();
    violations.push(...(await axeReport(page, 'status-refused')));
    await page.getByLabel('Secret').fill(secret);
    await page.getByRole('button', { name: 'Show the status' }).click();
    await page.getByRole('heading', { name: `Complaint ${reference}` }).waitFor();
    expect(await page.locator('[data-status]').textContent()).toBe('Answered and closed');
    expect(await page.textContent('body')).toContain('We added capacity; it loads in two seconds now.');
    expect(await page.textContent('body')).not.toContain('Ops Person');
    violations.push(...(await axeReport(page, 'status')));
    expect(await context.cookies()).toEqual([]);

    expect(violations).toEqual([]);
    await context.close();
  });

  it('the opt-out link shows a button; the button opts out and offers the way back', async () => {
    const school = await seedSmallSchool(app, { code: 'OPTB' });
    const { rows } = await app.db.query<{ token: string }>(
      'SELECT mail_opt_out_token AS token FROM staff WHERE id = $1',
      [school.admin.id],
    );
    const out = async () =>
      (
        await app.db.query<{ out: boolean }>(
          'SELECT system_mail_opt_out_at IS NOT NULL AS out FROM staff WHERE id = $1',
          [school.admin.id],
        )
      ).rows[0]!.out;
    const violations: string[] = [];
    const { page, context } = await newPage(browser);
    await page.goto(`${app.url}/mail/opt-out/${rows[0]!.token}`);
    violations.push(...(await axeReport(page, 'opt-out-question')));
    expect(await out()).toBe(false);
    await page.getByRole('button', { name: 'Stop these updates' }).click();
    await page.getByRole('heading', { name: 'You will no longer receive Confer service updates' }).waitFor();
    violations.push(...(await axeReport(page, 'opted-out')));
    expect(await out()).toBe(true);
    await page.getByRole('button', { name: 'Receive them again' }).click();
    await page.getByRole('heading', { name: 'You will receive Confer service updates again' }).waitFor();
    expect(await out()).toBe(false);
    expect(violations).toEqual([]);
    await context.close();
  });
});
