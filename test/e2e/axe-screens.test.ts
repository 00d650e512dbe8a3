import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHOOL_TABS } from '../../client/src/admin/school/school-tabs.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { axeReport, horizontalOverflow, overflowingElements } from './support/axe.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { newPage, signInFamily, signInStaff } from './support/parent-page.ts';

/**
 * The accessibility gate: axe-core's WCAG 2.0/2.1/2.2 A and AA rules (target
 * size 2.5.8 among them) over every screen state the other browser tests reach beyond
 * the parent's list and grid (parent-phone.test.ts): sign-in pages, privacy, teacher
 * timeline, the admin console and each of its sections, the planner, waiting lists and
 * the itinerary — at a desktop width and at 320 px, where reflow (1.4.10) is checked too:
 * the document never scrolls sideways (a wide grid scrolls inside its own box).
 */
let app: TestApp;
let school: SeededSchool;
let browser: Browser;

const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 320, height: 640 },
] as const;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app, { families: 6, teachers: 4 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** Collects axe's findings and any sideways overflow, state by state, for one assertion at the end. */
function auditor(page: Page, width: number) {
  const violations: string[] = [];
  const overflow: string[] = [];
  return {
    violations,
    overflow,
    async check(state: string) {
      violations.push(...(await axeReport(page, `${state} @${width}`)));
      const wider = await horizontalOverflow(page);
      if (wider > 0)
        overflow.push(
          `${state} @${width}: ${wider} px wider than the screen: ${(await overflowingElements(page)).join(', ')}`,
        );
    },
  };
}

/** Waits until the page's own requests have been quiet for half a second (not the page-view beacon). */
function quietWatcher(page: Page) {
  const inFlight = new Set<Request>();
  page.on('request', (r) => {
    if (!r.url().includes('/stats/page-view')) inFlight.add(r);
  });
  page.on('requestfinished', (r) => inFlight.delete(r));
  page.on('requestfailed', (r) => inFlight.delete(r));
  return async () => {
    let quietSince = Date.now();
    while (Date.now() - quietSince < 500) {
      if (inFlight.size > 0) quietSince = Date.now();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}

for (const viewport of WIDTHS) {
  const w = viewport.width;
  describe(`every screen passes axe and reflows at ${w} px`, () => {
    it('the family and staff sign-in pages', async () => {
      const { page, context } = await newPage(browser, viewport);
      const a = auditor(page, w);
      await page.goto(app.url);
      await page.getByRole('heading', { name: 'Book your parents’ evening' }).waitFor();
      await a.check('family sign-in');
      await page.goto(`${app.url}/staff`);
      await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
      await a.check('staff sign-in');
      expect(a.violations).toEqual([]);
      expect(a.overflow).toEqual([]);
      await context.close();
    });

    it('the privacy page', async () => {
      const { page, context } = await newPage(browser, viewport);
      const a = auditor(page, w);
      const res = await page.goto(`${app.url}/privacy`);
      expect(res?.status()).toBe(200);
      await a.check('privacy');
      expect(a.violations).toEqual([]);
      expect(a.overflow).toEqual([]);
      await context.close();
    });

    it("the teacher's timeline", async () => {
      const { page, context } = await newPage(browser, viewport);
      const a = auditor(page, w);
      await signInStaff(page, app.url, school.teachers[0]!.email);
      await page.getByRole('heading', { name: /Your evening/ }).waitFor();
      await page.locator('[data-testid="connection"][data-status="live"]').waitFor();
      await a.check('teacher timeline');
      // The families of the teacher's classes who have not booked them, one chosen.
      const notBooked = page.locator('section.not-booked');
      await notBooked.getByRole('heading', { name: /Families who have not booked you/ }).waitFor();
      await notBooked.getByRole('checkbox').first().check();
      await a.check('teacher not-booked families');
      // The teacher's own availability editor, opened.
      await page.getByText('My availability', { exact: true }).click();
      await page.getByRole('button', { name: 'Save my times' }).waitFor();
      await a.check('teacher my availability');
      expect(a.violations).toEqual([]);
      expect(a.overflow).toEqual([]);
      await context.close();
    });

    it('the admin console and every admin and school section', async () => {
      const { page, context } = await newPage(browser, viewport);
      const a = auditor(page, w);
      const quiet = quietWatcher(page);
      await signInStaff(page, app.url, school.admin.email);
      await page.getByRole('grid').first().waitFor();
      await quiet();
      await a.check('admin console');
      const sections = [
        'Event settings',
        'Availability',
        'Reports',
        'Fair booking',
        'Interpreters',
        'New event',
        ...SCHOOL_TABS.map(([, title]) => title),
      ];
      for (const title of sections) {
        await page.getByRole('tab', { name: title, exact: true }).click();
        await quiet();
        await a.check(`admin: ${title}`);
      }
      expect(a.violations).toEqual([]);
      expect(a.overflow).toEqual([]);
      await context.close();
    }, 120_000);
  });
}

describe('the parent’s planner, waiting lists and itinerary pass axe and reflow', () => {
  it('at 1280 and 320 px', async () => {
    // One teacher of the family's first child has nothing free: the waiting list is offered.
    const family = school.families[0]!;
    const child = school.students.find((s) => s.id === family.studentIds[0])!;
    const fullTeacher = child.teacherIds[0]!;
    const admin = await loginStaff(app, school.admin.email);
    const avail = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: admin });
    for (const s of (avail.body.slots as { id: string; teacherId: string; state: string }[]).filter(
      (x) => x.teacherId === fullTeacher && x.state === 'free',
    )) {
      const res = await app.api('POST', `/api/v1/slots/${s.id}/block`, {
        token: admin,
        body: { blocked: true },
        headers: { 'idempotency-key': `axe-block-${s.id}` },
      });
      expect(res.status).toBe(200);
    }

    const violations: string[] = [];
    const overflow: string[] = [];
    for (const viewport of WIDTHS) {
      const w = viewport.width;
      const { page, context } = await newPage(browser, viewport);
      const a = auditor(page, w);
      await signInFamily(page, app.url, school, 0);
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-status')).toBe('live');
      if (w > 640) {
        const join = page.getByRole('button', { name: /^Join .+’s waiting list for / }).first();
        await join.click();
        await page.locator('p.notice', { hasText: /^You are on .+’s waiting list/ }).waitFor();
      }
      await page.getByTestId('waitlist-entry').first().waitFor();
      // A phone offers the waiting list of a fully booked teacher as the grid does.
      await page.getByTestId('full-teacher').first().waitFor();
      await a.check('waiting lists');

      await page.getByRole('button', { name: 'Plan my evening for me' }).click();
      const planner = page.getByTestId('planner');
      await planner.waitFor();
      await a.check('planner');
      const boxes = planner.getByRole('checkbox');
      if (w > 640) {
        // Every teacher of every child: the boxes follow the server's order (by staff id, random
        // per seed), so the first box was sometimes the fully booked teacher, and a plan of only
        // that teacher proposes nothing (CI at 6544f65). The full one is left unplaced, the rest placed.
        for (const box of await boxes.all()) await box.check();
        const propose = planner.getByRole('button', { name: 'Propose my times' });
        await propose.click();
        // Under the whole suite's load the planner once answered busy (CI: no proposal in
        // 15 s); a parent asks again, and so does this test, every 5 s.
        await expect
          .poll(
            async () => {
              const n = await planner.getByTestId('proposed-meeting').count();
              if (n === 0 && (await propose.isEnabled())) await propose.click();
              return n;
            },
            { timeout: 40_000, interval: 5_000 },
          )
          .toBeGreaterThan(0);
        await a.check('planner proposal');
        // One proposed meeting reads "Hold this time", more "Hold all N times".
        await planner.getByRole('button', { name: /^Hold (all|this time)/ }).click();
        await page.getByRole('button', { name: /^Confirm my appointments/ }).click();
        await expect.poll(() => page.getByTestId('itinerary-item').count()).toBeGreaterThan(0);
      } else {
        await page.getByRole('button', { name: /^My appointments/ }).click();
        await expect.poll(() => page.getByTestId('itinerary-item').count()).toBeGreaterThan(0);
      }
      await a.check('itinerary');
      violations.push(...a.violations);
      overflow.push(...a.overflow);
      await context.close();
    }
    expect(violations).toEqual([]);
    expect(overflow).toEqual([]);
  }, 120_000);
});
