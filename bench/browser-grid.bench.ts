/**
 * `npm run bench:browser`: is the page still responsive while the evening fills?
 * 60 teachers × 36 slots, 50 deltas a second for 20 seconds, in Debian's Chromium
 * against the real server (PostgreSQL, Redis). The deltas are real: an admin blocks
 * and unblocks slots over HTTP, and the server fans the facts out. Measured twice:
 * a parent whose child sees all 60 teachers (the heaviest parent grid), and the
 * admin console (the whole evening, with names and counts).
 *
 * Measured in the page: long tasks (> 50 ms), frame intervals (requestAnimationFrame),
 * event-loop lag (a 20 ms timer's lateness), key press → next frame while arrowing
 * through the grid, and request sent → the cell's DOM changed (end to end, through
 * the server). Browser, server and load generator share this machine's cores.
 */
import type { Page } from 'playwright-core';
import { startScratchApp } from '../scripts/scratch-app.ts';
import { DEMO_OPTIONS, seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { launchBrowser } from '../test/e2e/support/browser.ts';
import { buildClient, CLIENT_DIST, clientBuildIsStale } from '../test/e2e/support/client-build.ts';
import { newPage, signInFamily, signInStaff } from '../test/e2e/support/parent-page.ts';
import { loginStaff, PASSWORD } from '../test/support/fixtures.ts';
import type { TestApp } from '../test/support/test-app.ts';
import { Samples } from './latency.ts';

const TEACHERS = 60;
const DELTAS_PER_SECOND = Number(process.env.BENCH_DELTAS_PER_SECOND ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

/**
 * Installed before the app loads: observers that record what the page went through.
 * Plain JavaScript in a string: a function would be re-serialised with the bundler's
 * helpers, which do not exist in the page.
 */
const PROBES = `
(() => {
  const probe = { longTasks: [], frames: [], lag: [], keyToFrame: [], cellChanged: [], recording: false };
  window.__probe = probe;
  new PerformanceObserver((list) => {
    if (probe.recording) for (const e of list.getEntries()) probe.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  let last = performance.now();
  const frame = (t) => {
    if (probe.recording) probe.frames.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  let expected = performance.now() + 20;
  setInterval(() => {
    const now = performance.now();
    if (probe.recording) probe.lag.push(Math.max(0, now - expected));
    expected = now + 20;
  }, 20);
  addEventListener('keydown', (e) => {
    if (!probe.recording) return;
    const start = e.timeStamp;
    requestAnimationFrame((t) => probe.keyToFrame.push(t - start));
  }, true);
  const observer = new MutationObserver((records) => {
    if (!probe.recording) return;
    const now = Date.now();
    for (const r of records)
      if (r.attributeName === 'data-state' && r.target.dataset.slot) probe.cellChanged.push([r.target.dataset.slot, now]);
  });
  addEventListener('DOMContentLoaded', () =>
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] }));
})();
`;

interface PageFigures {
  longTasks: number[];
  frames: number[];
  lag: number[];
  keyToFrame: number[];
  cellChanged: [string, number][];
}

/** `blocked` is shared between runs: it is the slots' real state, so every request changes a slot. */
async function storm(app: TestApp, adminToken: string, slotIds: string[], blocked: Set<string>, page: Page) {
  const sent = new Map<string, number[]>();
  let inFlight = 0;
  let errors = 0;
  const statuses: Record<number, number> = {};
  let i = 0;
  await page.evaluate(() => {
    (window as unknown as { __probe: { recording: boolean } }).__probe.recording = true;
  });
  const started = Date.now();
  const total = DELTAS_PER_SECOND * SECONDS;
  const keys = (async () => {
    // A person arrowing through the grid while it changes under them.
    const cells = page.locator('[role="gridcell"][tabindex="0"]');
    await cells.first().focus();
    while (Date.now() - started < SECONDS * 1000) {
      await page.keyboard.press(i % 40 < 20 ? 'ArrowRight' : 'ArrowLeft');
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * DELTAS_PER_SECOND));
      while (i < due) {
        const id = slotIds[(i * 7919) % slotIds.length]!;
        const block = !blocked.has(id);
        if (block) blocked.add(id);
        else blocked.delete(id);
        const list = sent.get(id) ?? [];
        list.push(Date.now());
        sent.set(id, list);
        inFlight++;
        void app
          .api('POST', `/api/v1/slots/${id}/block`, {
            token: adminToken,
            body: { blocked: block },
            headers: { 'idempotency-key': `bench-${started}-${i}` },
          })
          .then((r) => {
            if (r.status !== 200) {
              errors++;
              statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            }
          })
          .finally(() => inFlight--);
        i++;
      }
      if (i >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await keys;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 500));
  const figures = (await page.evaluate(() => {
    const p = (window as unknown as { __probe: PageFigures & { recording: boolean } }).__probe;
    p.recording = false;
    return p;
  })) as PageFigures;
  // Match each cell change to the earliest unmatched request for that slot.
  const endToEnd = new Samples();
  const pending = new Map([...sent].map(([k, v]) => [k, [...v]]));
  for (const [slotId, at] of figures.cellChanged) {
    const q = pending.get(slotId);
    const t = q?.shift();
    if (t !== undefined) endToEnd.add(at - t);
  }
  const summary = (xs: number[]) => {
    const s = new Samples();
    for (const x of xs) s.add(x);
    return s.summary();
  };
  return {
    deltasSent: i,
    errors,
    statuses,
    seconds: (Date.now() - started) / 1000,
    cellChanges: figures.cellChanged.length,
    longTasks: {
      count: figures.longTasks.length,
      totalMs: Math.round(figures.longTasks.reduce((a, b) => a + b, 0)),
      maxMs: Math.round(Math.max(0, ...figures.longTasks)),
    },
    frameMs: summary(figures.frames),
    eventLoopLagMs: summary(figures.lag),
    keyToNextFrameMs: summary(figures.keyToFrame),
    requestToCellMs: endToEnd.summary(),
  };
}

async function main() {
  if (clientBuildIsStale()) await buildClient();
  const app = await startScratchApp(CLIENT_DIST, { ADMISSION_RATE: '0' });
  const browser = await launchBrowser();
  try {
    const school = await seedSchool(app.db, {
      ...DEMO_OPTIONS,
      code: 'BENCH',
      name: 'Benchmark Academy',
      teachers: TEACHERS,
      families: 20,
      teachersPerStudent: TEACHERS,
      siblingShare: 0,
      slotMinutes: 5,
      from: '16:00',
      to: '19:00',
      password: PASSWORD,
    });
    const adminToken = await loginStaff(app, school.admin.email);
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: adminToken });
    const slotIds = (snap.body.slots as { id: string }[]).map((s) => s.id);
    const blocked = new Set<string>();
    const results: Record<string, unknown> = {
      setup: {
        teachers: TEACHERS,
        slots: slotIds.length,
        deltasPerSecond: DELTAS_PER_SECOND,
        seconds: SECONDS,
      },
    };

    const parent = await newPage(browser);
    await parent.context.addInitScript({ content: PROBES });
    await signInFamily(parent.page, app.url, school, 0);
    const cells = await parent.page.locator('[role="gridcell"]').count();
    results.parent = { gridCells: cells, ...(await storm(app, adminToken, slotIds, blocked, parent.page)) };
    await parent.context.close();

    const admin = await newPage(browser, { width: 1440, height: 900 });
    await admin.context.addInitScript({ content: PROBES });
    await signInStaff(admin.page, app.url, school.admin.email);
    await admin.page.getByRole('grid').waitFor();
    const adminCells = await admin.page.locator('[role="gridcell"]').count();
    results.adminConsole = {
      gridCells: adminCells,
      ...(await storm(app, adminToken, slotIds, blocked, admin.page)),
    };
    await admin.context.close();
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await browser.close();
    await app.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
