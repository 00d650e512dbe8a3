import { readFile } from 'node:fs/promises';
import ICAL from 'ical.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchBrowser } from './support/browser.ts';
import { CLIENT_DIST } from './support/client-build.ts';
import { cell, newPage, signInFamily, signInStaff } from './support/parent-page.ts';
import { allSlots, rivals, studentOf, teacherSlots } from './support/school-picks.ts';

let app: TestApp;
let school: SeededSchool;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({}, { clientDir: CLIENT_DIST });
  school = await seedSmallSchool(app, { families: 12 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('parents booking in a real browser', () => {
  it('two parents race for one slot: one holds it, the other sees it turn held live and gets a friendly message', async () => {
    const { a, b, teacherId } = rivals(school);
    const target = teacherSlots(await allSlots(app, school), teacherId)[3]!;
    const pa = await newPage(browser);
    const pb = await newPage(browser);
    await signInFamily(pa.page, app.url, school, a);
    await signInFamily(pb.page, app.url, school, b);
    // The browsers run in Honolulu; the grid shows the school's London time.
    expect(await pa.page.getByRole('columnheader').nth(1).textContent()).toBe('16:00');
    await expect.poll(() => pa.page.getByTestId('connection').getAttribute('data-status')).toBe('live');

    const cellA = cell(pa.page, target.id, studentOf(school, a).id);
    const cellB = cell(pb.page, target.id, studentOf(school, b).id);
    expect(await cellA.getAttribute('data-state')).toBe('free');
    expect(await cellB.getAttribute('data-state')).toBe('free');
    await Promise.all([cellA.click(), cellB.click()]);

    const settled = async () => [
      await cellA.getAttribute('data-state'),
      await cellB.getAttribute('data-state'),
    ];
    await expect
      .poll(async () => (await settled()).sort().join(','), { timeout: 10_000 })
      .toBe('held,my-hold');
    const [stateA] = await settled();
    const loser = stateA === 'my-hold' ? pb.page : pa.page;
    const winner = stateA === 'my-hold' ? pa.page : pb.page;
    await expect
      .poll(() => loser.getByTestId('booking-message').textContent())
      .toMatch(/has just been taken by someone else\. Please choose another time\./);
    expect(await winner.getByTestId('countdown').textContent()).toMatch(/^[12]:\d\d left$/);

    // The loser sees the slot become booked, without reloading, when the winner confirms.
    await winner.getByRole('button', { name: 'Confirm my appointments (1)' }).click();
    await expect.poll(() => (loser === pa.page ? cellA : cellB).getAttribute('data-state')).toBe('taken');
    await pa.context.close();
    await pb.context.close();
  });

  it("a parent confirms holds for two siblings and sees the itinerary; the teacher's page fills live", async () => {
    const raced = rivals(school);
    const familyIndex = school.families.findIndex(
      (f, i) => f.studentIds.length > 1 && i !== raced.a && i !== raced.b && i !== school.families.length - 1,
    );
    const first = studentOf(school, familyIndex, 0);
    const second = studentOf(school, familyIndex, 1);
    const teacher = school.teachers.find((t) => t.id === first.teacherIds[0])!;
    const slots = await allSlots(app, school);
    const forFirst = teacherSlots(slots, teacher.id).find((s) => s.state === 'free')!;
    const secondTeacher = second.teacherIds.find((t) => t !== teacher.id) ?? second.teacherIds[0]!;
    const forSecond = teacherSlots(slots, secondTeacher)
      .filter((s) => s.state === 'free')
      .at(-4)!;

    const t = await newPage(browser);
    await signInStaff(t.page, app.url, teacher.email);
    await t.page.getByRole('heading', { name: /Your evening/ }).waitFor();
    const before = await t.page.getByTestId('teacher-appointment').count();

    const p = await newPage(browser);
    await signInFamily(p.page, app.url, school, familyIndex);
    expect(await p.page.getByRole('grid').count()).toBe(2);
    await cell(p.page, forFirst.id, first.id).click();
    await expect.poll(() => cell(p.page, forFirst.id, first.id).getAttribute('data-state')).toBe('my-hold');
    // The sibling's grid already shows that time as theirs, not free.
    if (second.teacherIds.includes(teacher.id))
      expect(await cell(p.page, forFirst.id, second.id).getAttribute('data-state')).toBe('sibling');
    await cell(p.page, forSecond.id, second.id).click();
    await p.page.getByRole('button', { name: 'Confirm my appointments (2)' }).click();
    await p.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
    const items = p.page.getByTestId('itinerary-item');
    await expect.poll(() => items.count()).toBe(2);
    const texts = await items.allTextContents();
    expect(texts.join('\n')).toContain(first.name.split(' ')[0]!);
    expect(texts.join('\n')).toContain(second.name.split(' ')[0]!);
    expect(texts.join('\n')).toMatch(/Room \d+/);

    // "Add to calendar" downloads the server's file, fetched with the session's token.
    const [download] = await Promise.all([
      p.page.waitForEvent('download'),
      p.page.getByRole('button', { name: 'Add to calendar (.ics)' }).click(),
    ]);
    const ics = await readFile((await download.path())!, 'utf8');
    const calendar = new ICAL.Component(ICAL.parse(ics));
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(calendar.getAllSubcomponents('vtimezone')).toHaveLength(1);
    const events = calendar.getAllSubcomponents('vevent');
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e.getFirstProperty('dtstamp')!.toICALString()).toMatch(/Z$/);
      expect(String(e.getFirstPropertyValue('organizer'))).toMatch(/^mailto:/);
      expect(Number(e.getFirstPropertyValue('sequence'))).toBeGreaterThan(0);
    }

    // The teacher saw it arrive without reloading.
    await expect.poll(() => t.page.getByTestId('teacher-appointment').count()).toBe(before + 1);
    expect(await t.page.getByTestId('teacher-appointment').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(first.name)]),
    );
    await p.context.close();
    await t.context.close();
  });

  it('keyboard only: a parent signs in and books an appointment without the mouse', async () => {
    const familyIndex = school.families.length - 1;
    const f = school.families[familyIndex]!;
    const { page, context } = await newPage(browser, { width: 390, height: 844 });
    await page.goto(app.url);
    // The language comes first (a family chooses it before reading the form); this one keeps English.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('login-language');
    await page.keyboard.press('Tab');
    await page.keyboard.type(school.schoolCode);
    await page.keyboard.press('Tab');
    await page.keyboard.type(f.surname);
    await page.keyboard.press('Tab');
    await page.keyboard.type(f.accessCode);
    await page.keyboard.press('Enter');
    // A phone gets the teacher list: times are buttons, Tab reaches them.
    await page.locator('.teachers').first().waitFor();

    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return {
          role: el?.getAttribute('role') ?? el?.tagName ?? '',
          state: el?.dataset.state ?? '',
          slot: el?.dataset.slot ?? '',
          text: el?.textContent ?? '',
        };
      });
    for (let i = 0; i < 40 && (await focused()).state !== 'free'; i++) await page.keyboard.press('Tab');
    expect((await focused()).state).toBe('free');
    const chosen = (await focused()).slot;
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator(`.yours[data-slot="${chosen}"]`).getAttribute('data-state'))
      .toBe('my-hold');
    await expect
      .poll(() => page.getByTestId('announce-polite').textContent())
      .toMatch(/^Held .* Confirm to book it\./);

    // The tray sits above the list on a phone: back up to it.
    for (let i = 0; i < 40 && !(await focused()).text.includes('Confirm my appointments'); i++)
      await page.keyboard.press('Shift+Tab');
    expect((await focused()).text).toContain('Confirm my appointments (1)');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your appointments' }).waitFor();
    await expect.poll(() => page.getByTestId('itinerary-item').count()).toBe(1);
    await context.close();
  });
});
