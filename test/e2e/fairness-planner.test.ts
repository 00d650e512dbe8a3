import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { londonTime } from './support/london-time.ts';
import { newPage, signInFamily } from './support/parent-page.ts';

let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('automatic itinerary and running late in a real browser (360 px)', () => {
  it('the planner proposes, holds all at once, the family confirms, and a teacher running late shows live', async () => {
    const { page } = await newPage(browser, { width: 360, height: 800 });
    await signInFamily(page, app.url, school, 0);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-status')).toBe('live');

    await page.getByRole('button', { name: 'Plan my evening for me' }).click();
    const planner = page.getByTestId('planner');
    const boxes = planner.getByRole('checkbox');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await planner.getByRole('button', { name: 'Propose my times' }).click();
    // The first plan on a test server starts the CPU pool's workers (production warms
    // them at boot), about a second of CPU each on a busy machine.
    await expect.poll(() => planner.getByTestId('proposed-meeting').count(), { timeout: 15_000 }).toBe(2);

    await planner.getByRole('button', { name: 'Hold all 2 times' }).click();
    await page.getByRole('button', { name: 'Confirm my appointments (2)' }).click();
    await expect.poll(() => page.getByTestId('itinerary-item').count()).toBe(2);

    const family = school.families[0]!;
    const { rows } = await app.db.query<{ id: string; teacher_id: string; starts_at: Date }>(
      `SELECT b.id, s.staff_id AS teacher_id, s.starts_at FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE b.family_id = $1 AND b.status = 'confirmed' ORDER BY s.starts_at`,
      [family.id],
    );
    expect(rows).toHaveLength(2);
    // No clash: the second starts no earlier than the first ends (5-minute slots).
    expect(rows[1]!.starts_at.getTime() - rows[0]!.starts_at.getTime()).toBeGreaterThanOrEqual(5 * 60_000);

    const token = await loginStaff(app, school.admin.email);
    const late = await app.api(
      'PUT',
      `/api/v1/events/${school.eventId}/teachers/${rows[0]!.teacher_id}/running-late`,
      {
        token,
        body: { minutes: 10 },
      },
    );
    expect(late.status).toBe(200);
    const expected = londonTime(rows[0]!.starts_at.getTime() + 10 * 60_000);
    await expect
      .poll(() => page.getByTestId('expected-time').first().textContent(), { timeout: 10_000 })
      .toBe(`Running late: now expected at ${expected}`);
  });
});
