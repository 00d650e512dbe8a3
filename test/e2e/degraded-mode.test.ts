import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { migrate } from '../../server/src/infra/migrate.ts';
import { loginFamily, seedSmallSchool } from '../support/fixtures.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { cell, newPage, signInFamily, signInStaff } from './support/parent-page.ts';
import { allSlots, studentOf, teacherSlots } from './support/school-picks.ts';

// PostgreSQL stops while a family has its page open. The page keeps the
// appointments it had, says booking is paused and as of when, and comes back by
// itself once PostgreSQL is back; /status says the database is down meanwhile. The
// second case stops PostgreSQL and Redis (both private to this file) under a family's
// and a teacher's page, and measures how long the screens take to converge once back.
let server: PrivatePostgres;
let redis: PrivateRedis;
let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  server = await startPrivatePostgres();
  await migrate(server.url);
  redis = await startPrivateRedis();
  app = await startTestApp(
    { DATABASE_POOL_SIZE: '6', REDIS_URL: redis.url, CIRCUIT_OPEN_MS: '1000' },
    { database: { name: 'confer', url: server.url, drop: async () => {} }, clientDir: CLIENT_DIST },
  );
  school = await seedSmallSchool(app);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await server?.destroy();
  redis?.destroy();
});

const SHOTS = path.resolve('screenshots');

/** The booked count the teacher's page shows ("3 booked, 0 being booked, 25 free"). */
async function teacherBooked(page: Page): Promise<number> {
  const text = (await page.getByTestId('teacher-counts').textContent()) ?? '';
  return Number(/(\d+) booked/.exec(text)?.[1] ?? -1);
}

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

  it('PostgreSQL and Redis stopped: the family keeps its itinerary, the teacher its timeline (also after a reload), writes answer 503 with Retry-After; once back every screen converges on the database without a reload', async () => {
    mkdirSync(SHOTS, { recursive: true });
    const familyIndex = 2;
    const child = studentOf(school, familyIndex);
    const teacherId = child.teacherIds[0]!;
    const teacher = school.teachers.find((t) => t.id === teacherId)!;
    const all = await allSlots(app, school);
    const slots = teacherSlots(all, teacherId).filter((s) => s.state === 'free');
    const token = await loginFamily(app, school, familyIndex);
    const book = async (slotId: string) => {
      const held = await app.api('POST', '/api/v1/holds', { token, body: { slotId, studentId: child.id } });
      expect(held.status).toBe(200);
      const done = await app.api('POST', '/api/v1/holds/confirm', {
        token,
        body: { eventId: school.eventId, holdIds: [held.body.id] },
      });
      expect(done.status).toBe(200);
    };
    await book(slots[4]!.id);
    const dbBooked = async (where: 'family' | 'teacher') => {
      const { rows } = await app.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings b JOIN slots s ON s.id = b.slot_id
          WHERE b.event_id = $1 AND b.status = 'confirmed' AND ${where === 'family' ? 'b.family_id = $2' : 's.staff_id = $2'}`,
        [school.eventId, where === 'family' ? school.families[familyIndex]!.id : teacherId],
      );
      return rows[0]!.n;
    };

    const fam = await newPage(browser);
    await signInFamily(fam.page, app.url, school, familyIndex);
    await fam.page.getByRole('button', { name: /My appointments \(1\)/ }).click();
    await expect.poll(() => fam.page.getByTestId('itinerary-item').count()).toBe(1);
    const tea = await newPage(browser, { width: 390, height: 844 });
    await signInStaff(tea.page, app.url, teacher.email);
    await tea.page.getByTestId('teacher-appointment').first().waitFor();
    expect(await teacherBooked(tea.page)).toBe(await dbBooked('teacher'));
    const teacherRows = await tea.page.getByTestId('teacher-appointment').count();

    await Promise.all([server.stop(), Promise.resolve(redis.kill())]);
    const stopped = Date.now();

    // A write answers 503 with Retry-After, and says so in words.
    const refused = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: slots[9]!.id, studentId: child.id },
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    // The teacher's page: the timeline stays, with the banner saying as of when.
    const teacherBanner = tea.page.getByTestId('degraded-banner');
    await teacherBanner.waitFor({ timeout: 60_000 });
    console.log(
      `degraded mode: the teacher's banner appeared ${Date.now() - stopped} ms after PostgreSQL and Redis stopped`,
    );
    expect(await teacherBanner.textContent()).toMatch(
      /Live updates are paused for a moment; your timeline below is as of \d\d:\d\d\./,
    );
    expect(await tea.page.getByTestId('teacher-appointment').count()).toBe(teacherRows);
    expect(await axeReport(tea.page, 'teacher timeline while the service is away')).toEqual([]);
    await tea.page.screenshot({ path: path.join(SHOTS, 'degraded-teacher-390.png'), fullPage: true });

    // The family's page learns it at once too (the server's watch asks every screen to join
    // again, refused): it says booking is paused, keeps the itinerary and offers no change.
    await fam.page.getByRole('button', { name: 'Book' }).click();
    const famBanner = fam.page.getByTestId('degraded-banner');
    await famBanner.waitFor({ timeout: 90_000 });
    console.log(
      `degraded mode: the family's banner appeared ${Date.now() - stopped} ms after PostgreSQL and Redis stopped`,
    );
    await fam.page.getByRole('button', { name: /My appointments/ }).click();
    expect(await famBanner.textContent()).toMatch(/your appointments below are as of \d\d:\d\d\./);
    expect(await fam.page.getByTestId('itinerary-item').count()).toBe(1);
    expect(await fam.page.getByRole('button', { name: 'Change' }).count()).toBe(0);
    expect(await axeReport(fam.page, 'family itinerary while the service is away')).toEqual([]);
    await fam.page.screenshot({ path: path.join(SHOTS, 'degraded-family-desktop.png'), fullPage: true });

    // The teacher reloads during the outage: the timeline the tab kept, with the banner.
    await tea.page.reload();
    await teacherBanner.waitFor({ timeout: 60_000 });
    expect(await tea.page.getByTestId('teacher-appointment').count()).toBe(teacherRows);
    expect(await teacherBanner.textContent()).toMatch(/your timeline below is as of \d\d:\d\d\./);
    await tea.page.screenshot({
      path: path.join(SHOTS, 'degraded-teacher-reloaded-390.png'),
      fullPage: true,
    });

    // /status says both are down and shows the incidents as they happen.
    const statusCtx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const statusPage = await statusCtx.newPage();
    await statusPage.goto(`${app.url}/status`);
    expect(await statusPage.locator('[data-component="database"]').textContent()).toBe('Not working');
    expect(await statusPage.locator('[data-component="redis"]').textContent()).toBe('Not working');
    expect(await axeReport(statusPage, '/status with the database and Redis down')).toEqual([]);
    await statusPage.screenshot({ path: path.join(SHOTS, 'status-down-390.png'), fullPage: true });

    // Back: Redis and PostgreSQL restart; every screen converges on the database by itself.
    const restarted = Date.now();
    await Promise.all([server.restart(), redis.restart()]);
    const back = Date.now();
    await Promise.all([
      teacherBanner.waitFor({ state: 'detached', timeout: 90_000 }),
      famBanner.waitFor({ state: 'detached', timeout: 90_000 }),
    ]);
    await expect
      .poll(
        async () => [await fam.page.getByTestId('itinerary-item').count(), await teacherBooked(tea.page)],
        { timeout: 60_000 },
      )
      .toEqual([await dbBooked('family'), await dbBooked('teacher')]);
    const recoveryMs = Date.now() - back;
    console.log(
      `degraded mode: PostgreSQL and Redis back in ${back - restarted} ms; family and teacher screens converged ${recoveryMs} ms after (no reload)`,
    );
    expect(await fam.page.getByRole('button', { name: 'Change' }).count()).toBe(1);

    // And they are live again: the family's appointment cancelled now leaves both screens without a reload.
    const mine = await app.api('GET', `/api/v1/events/${school.eventId}/bookings/mine`, { token });
    const cancelled = await app.api('POST', `/api/v1/bookings/${mine.body.bookings[0].id}/cancel`, { token });
    expect(cancelled.status).toBe(200);
    expect(await dbBooked('family')).toBe(0);
    const expected = [await dbBooked('family'), await dbBooked('teacher')];
    await expect
      .poll(
        async () => [await fam.page.getByTestId('itinerary-item').count(), await teacherBooked(tea.page)],
        {
          timeout: 30_000,
        },
      )
      .toEqual(expected);
    await statusPage.goto(`${app.url}/status`);
    expect(await statusPage.locator('[data-component="database"]').textContent()).toBe('Working');
    expect(await statusPage.getByTestId('status-incident').count()).toBeGreaterThanOrEqual(2);
    // The outage is in the incidents, start and end: the database's own written once it was back.
    // The status watch closes an incident on its next look (every 3 s): wait for both ends.
    type Incident = { component: string; startedAt: string; endedAt: string | null; durationSeconds: number };
    const incidents = async (): Promise<Incident[]> =>
      (await app.api('GET', '/api/v1/status')).body.incidents;
    let seen: Incident[] = [];
    await expect
      .poll(
        async () => {
          seen = await incidents();
          const ended = ['database', 'redis'].filter((part) =>
            seen.some((i) => i.component === part && i.endedAt),
          );
          // What the status API held, in the failure's message.
          return ended.length === 2 ? ended : [...ended, JSON.stringify(seen)];
        },
        { timeout: 15_000 },
      )
      .toEqual(['database', 'redis']);
    const report = { incidents: await incidents() };
    for (const part of ['database', 'redis']) {
      const inc = report.incidents.find((i) => i.component === part && i.endedAt)!;
      expect(inc, part).toBeDefined();
      expect(Date.parse(inc.startedAt)).toBeGreaterThanOrEqual(stopped - 5_000);
      expect(Date.parse(inc.endedAt!)).toBeGreaterThanOrEqual(restarted);
      expect(inc.durationSeconds).toBeGreaterThan(0);
    }
    await statusPage.screenshot({ path: path.join(SHOTS, 'status-incidents-390.png'), fullPage: true });
    await statusCtx.close();
    await fam.context.close();
    await tea.context.close();
  }, 300_000);
});
