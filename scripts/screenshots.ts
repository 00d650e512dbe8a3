/**
 * `npm run screenshots`: PNGs of the parent grid (desktop) and, at 390 and 320 px,
 * the phone list, a hold, a teacher's evening, the itinerary, a change in one step,
 * before booking opens, and the planner; the teacher timeline (desktop and phone) and the
 * families who have not booked the teacher, one just invited,
 * the admin console and its event settings; an event with two sittings (the parent's grid,
 * the phone list at 390 px, the teacher's timeline, the admin's sittings editor and the
 * availability editor with each teacher's slot length, desktop and 390 px); the operator's schools (one suspended),
 * service-update preview and use of the service — in screenshots/, taken from the real
 * server and the built client in Debian's Chromium.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { SlotView } from '../protocol/index.ts';
import { DEMO_OPTIONS, seedSchool } from '../server/src/features/demo/demo-seed.ts';
import { OperatorAuth } from '../server/src/features/operator/operator-auth.ts';
import { RateLimit } from '../server/src/infra/rate-limit.ts';
import { launchBrowser } from '../test/e2e/support/browser.ts';
import { buildClient, CLIENT_DIST, clientBuildIsStale } from '../test/e2e/support/client-build.ts';
import { newPage, signInFamily, signInStaff } from '../test/e2e/support/parent-page.ts';
import { ask, loginFamily, loginStaff, PASSWORD } from '../test/support/fixtures.ts';
import { startScratchApp } from './scratch-app.ts';

const OUT = path.resolve('screenshots');

async function main() {
  if (clientBuildIsStale()) await buildClient();
  await mkdir(OUT, { recursive: true });
  const app = await startScratchApp(CLIENT_DIST);
  const browser = await launchBrowser();
  try {
    const school = await seedSchool(app.db, {
      ...DEMO_OPTIONS,
      code: 'SHOTS',
      name: 'Riverside Academy',
      teachers: 12,
      families: 40,
      teachersPerStudent: 5,
      siblingShare: 0.5,
      gapMinutes: 5,
      password: PASSWORD,
    });
    // Some of the evening already taken by other families, so the grid shows every state.
    const withSiblings = school.families.findIndex((f) => f.studentIds.length > 1);
    for (let i = 0; i < school.families.length && i < 25; i++) {
      if (i === withSiblings) continue;
      const token = await loginFamily(app, school, i);
      const s = await app.socket(token);
      const snap = await ask(s, 'event:join', { eventId: school.eventId });
      const studentId = school.families[i]!.studentIds[0]!;
      const teacherIds = school.students.find((x) => x.id === studentId)!.teacherIds;
      const free = snap.data.slots.filter(
        (x: SlotView) => x.state === 'free' && teacherIds.includes(x.teacherId),
      );
      const pick = free[(i * 7) % free.length];
      const hold = await ask(s, 'slot:hold', {
        slotId: pick.id,
        studentId,
        idempotencyKey: `shots-${i}-hold`,
      });
      if (hold.ok && i % 3 !== 0)
        await ask(s, 'booking:confirm', { eventId: school.eventId, idempotencyKey: `shots-${i}-confirm` });
      s.disconnect();
    }
    const adminToken = await loginStaff(app, school.admin.email);
    const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token: adminToken });
    const frees = snap.body.slots.filter((x: SlotView) => x.state === 'free');
    for (const s of frees.filter((_: unknown, i: number) => i % 17 === 0))
      await app.api('POST', `/api/v1/slots/${s.id}/block`, {
        token: adminToken,
        body: { blocked: true },
        headers: { 'idempotency-key': `shots-block-${s.id}` },
      });

    // A second school whose booking opens in half an hour: the before-opening screens.
    const later = await seedSchool(app.db, {
      ...DEMO_OPTIONS,
      code: 'LATER',
      name: 'Hillside School',
      teachers: 6,
      families: 4,
      teachersPerStudent: 4,
      password: PASSWORD,
      opensInMinutes: 30,
    });

    const parent = await newPage(browser);
    await signInFamily(parent.page, app.url, school, withSiblings);
    const free = parent.page.locator('[data-state="free"]');
    await free.first().click();
    await parent.page.getByRole('button', { name: /Confirm my appointments/ }).waitFor();
    await free.nth(8).click();
    await parent.page.getByRole('button', { name: /Confirm my appointments \(2\)/ }).waitFor();
    await parent.page.screenshot({ path: path.join(OUT, 'parent-grid-desktop.png'), fullPage: true });

    await parent.page.getByRole('button', { name: /Confirm my appointments/ }).click();
    await parent.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
    await parent.page.screenshot({ path: path.join(OUT, 'parent-itinerary.png'), fullPage: true });

    // Phones get the teacher list: each state at a common width and the narrowest.
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 320, height: 640 },
    ]) {
      const w = viewport.width;
      const phone = await newPage(browser, viewport);
      const f = school.families[withSiblings]!;
      await phone.page.goto(app.url);
      await phone.page.getByLabel('School code').fill(school.schoolCode);
      await phone.page.getByLabel('Your surname').fill(f.surname);
      await phone.page.getByLabel('Family access code').fill(f.accessCode);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page.locator('.teachers').first().waitFor();
      await phone.page.screenshot({ path: path.join(OUT, `parent-list-phone-${w}.png`) });
      await phone.page.locator('button.time-button').first().click();
      await phone.page.getByRole('button', { name: /Confirm my appointments/ }).waitFor();
      await phone.page.screenshot({ path: path.join(OUT, `parent-hold-phone-${w}.png`) });
      await phone.page
        .getByRole('button', { name: /^All times with/ })
        .nth(1)
        .click();
      await phone.page.locator('.evening').first().scrollIntoViewIfNeeded();
      await phone.page.screenshot({ path: path.join(OUT, `parent-evening-phone-${w}.png`) });
      await phone.page.screenshot({
        path: path.join(OUT, `parent-list-phone-${w}-full.png`),
        fullPage: true,
      });
      await phone.page.getByRole('button', { name: /Confirm my appointments/ }).click();
      await phone.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
      await phone.page.screenshot({
        path: path.join(OUT, `parent-itinerary-phone-${w}.png`),
        fullPage: true,
      });
      // "Change" in one step: the new times offered while the old one stays booked.
      await phone.page.getByRole('button', { name: 'Change' }).first().click();
      await phone.page
        .getByRole('group', { name: /^New time with / })
        .first()
        .waitFor();
      await phone.page.screenshot({ path: path.join(OUT, `parent-change-phone-${w}.png`), fullPage: true });
      await phone.page
        .getByRole('group', { name: /^New time with / })
        .first()
        .getByRole('button')
        .first()
        .click();
      await phone.page
        .getByText(/^Moved: /)
        .or(phone.page.locator('.alert'))
        .first()
        .waitFor()
        .catch(() => {});
      await phone.page.screenshot({ path: path.join(OUT, `parent-moved-phone-${w}.png`), fullPage: true });
      await phone.context.close();

      // Before booking opens: grey times that say when it opens when tapped.
      const early = await newPage(browser, viewport);
      const ef = later.families[0]!;
      await early.page.goto(app.url);
      await early.page.getByLabel('School code').fill(later.schoolCode);
      await early.page.getByLabel('Your surname').fill(ef.surname);
      await early.page.getByLabel('Family access code').fill(ef.accessCode);
      await early.page.getByRole('button', { name: 'Sign in' }).click();
      const grey = early.page.locator('button.time-button[data-state="not-open"]').first();
      await grey.click({ force: true });
      await early.page.getByTestId('not-open-notice').waitFor();
      await early.page.screenshot({ path: path.join(OUT, `parent-not-open-phone-${w}.png`) });
      await early.context.close();
    }

    // The planner and a waiting list (a teacher with nothing free), on the narrowest phone.
    {
      const narrow = await newPage(browser, { width: 320, height: 640 });
      await signInFamily(narrow.page, app.url, school, withSiblings);
      await narrow.page.getByRole('button', { name: 'Plan my evening for me' }).click();
      await narrow.page.getByTestId('planner').waitFor();
      await narrow.page.getByTestId('planner').scrollIntoViewIfNeeded();
      await narrow.page.screenshot({ path: path.join(OUT, 'parent-planner-phone-320.png'), fullPage: true });
      await narrow.context.close();
    }

    const teacherPage = await newPage(browser);
    const busiest = school.teachers[0]!;
    await signInStaff(teacherPage.page, app.url, busiest.email);
    await teacherPage.page.getByRole('heading', { name: /Your evening/ }).waitFor();
    await teacherPage.page.getByRole('heading', { name: /Families who have not booked you/ }).waitFor();
    await teacherPage.page.screenshot({ path: path.join(OUT, 'teacher-timeline.png'), fullPage: true });
    // Families of the teacher's classes who have not booked them: one invited, one chosen.
    const notBooked = teacherPage.page.locator('section.not-booked');
    await notBooked.getByRole('checkbox').first().check();
    await notBooked.getByRole('button', { name: 'Invite 1 family to book' }).click();
    await notBooked.getByRole('status').waitFor();
    await notBooked.getByRole('checkbox').first().check();
    await notBooked.screenshot({ path: path.join(OUT, 'teacher-not-booked.png') });

    const adminPage = await newPage(browser, { width: 1440, height: 900 });
    await signInStaff(adminPage.page, app.url, school.admin.email);
    await adminPage.page.getByRole('grid').first().waitFor();
    await adminPage.page.screenshot({ path: path.join(OUT, 'admin-console.png'), fullPage: true });
    // The event settings with the separated-parents choice.
    await adminPage.page.getByRole('tab', { name: 'Event settings', exact: true }).click();
    await adminPage.page.getByRole('radio', { name: /^Joint:/ }).waitFor();
    await adminPage.page.screenshot({ path: path.join(OUT, 'admin-event-settings.png'), fullPage: true });

    // The teacher's timeline on a phone.
    const teacherPhone = await newPage(browser, { width: 390, height: 844 });
    await signInStaff(teacherPhone.page, app.url, busiest.email);
    await teacherPhone.page.getByRole('heading', { name: /Your evening/ }).waitFor();
    await teacherPhone.page.screenshot({
      path: path.join(OUT, 'teacher-timeline-phone-390.png'),
      fullPage: true,
    });
    // Two sittings: a school whose evening is split in two, with a gap between
    // (the demo seed has none, so they are set through the API, as an admin would).
    const sittingDate = DateTime.now().setZone(DEMO_OPTIONS.timeZone).plus({ days: 1 }).toISODate()!;
    const twoSittings = await seedSchool(app.db, {
      ...DEMO_OPTIONS,
      code: 'SITTINGS',
      name: 'Brookfield College',
      teachers: 6,
      families: 4,
      teachersPerStudent: 4,
      siblingShare: 0,
      eveningDate: sittingDate,
      password: PASSWORD,
    });
    const sittingAdmin = await loginStaff(app, twoSittings.admin.email);
    const setSittings = await app.api('PUT', `/api/v1/admin/events/${twoSittings.eventId}/sittings`, {
      token: sittingAdmin,
      headers: { 'idempotency-key': 'shots-sittings' },
      body: {
        sittings: [
          { date: sittingDate, from: '16:00', to: '17:15', label: 'Afternoon' },
          { date: sittingDate, from: '17:45', to: '19:00', label: 'Evening' },
        ],
      },
    });
    if (setSittings.status !== 200) throw new Error(`sittings refused: ${JSON.stringify(setSittings.body)}`);
    const sittingParent = await newPage(browser);
    await signInFamily(sittingParent.page, app.url, twoSittings, 0);
    await sittingParent.page.locator('[data-state="free"]').first().click();
    await sittingParent.page.getByRole('button', { name: /Confirm my appointments/ }).waitFor();
    await sittingParent.page.screenshot({
      path: path.join(OUT, 'parent-grid-sittings-desktop.png'),
      fullPage: true,
    });
    // Scrolled along to where the first sitting ends and the second begins.
    await sittingParent.page
      .locator('.grid-scroll')
      .first()
      .evaluate((el) => {
        el.scrollLeft = el.scrollWidth;
      });
    await sittingParent.page.screenshot({ path: path.join(OUT, 'parent-grid-sittings-scrolled.png') });
    await sittingParent.page.getByRole('button', { name: /Confirm my appointments/ }).click();
    await sittingParent.page.getByRole('heading', { name: 'Your appointments' }).waitFor();
    await sittingParent.context.close();
    const sittingPhone = await newPage(browser, { width: 390, height: 844 });
    await signInFamily(sittingPhone.page, app.url, twoSittings, 1);
    await sittingPhone.page
      .getByRole('button', { name: /^All times with/ })
      .first()
      .click();
    await sittingPhone.page.locator('.evening').first().scrollIntoViewIfNeeded();
    await sittingPhone.page.screenshot({ path: path.join(OUT, 'parent-list-sittings-phone-390.png') });
    await sittingPhone.page.screenshot({
      path: path.join(OUT, 'parent-list-sittings-phone-390-full.png'),
      fullPage: true,
    });
    await sittingPhone.context.close();
    // The teacher's timeline under each sitting.
    const sittingSlots = await app.api('GET', `/api/v1/events/${twoSittings.eventId}/availability`, {
      token: sittingAdmin,
    });
    const bookedWith = sittingSlots.body.slots.find((x: SlotView) => x.state === 'booked')?.teacherId;
    const sittingTeacher = await newPage(browser);
    await signInStaff(
      sittingTeacher.page,
      app.url,
      (twoSittings.teachers.find((t) => t.id === bookedWith) ?? twoSittings.teachers[0]!).email,
    );
    await sittingTeacher.page.getByRole('heading', { name: /Your evening/ }).waitFor();
    await sittingTeacher.page.screenshot({
      path: path.join(OUT, 'teacher-timeline-sittings.png'),
      fullPage: true,
    });
    await sittingTeacher.context.close();
    // The admin's sittings editor in the event settings, and the availability editor with
    // each teacher's slot length, on a desktop and at 390 px.
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const suffix = viewport.width === 390 ? '-phone-390' : '';
      const admin = await newPage(browser, viewport);
      await signInStaff(admin.page, app.url, twoSittings.admin.email);
      await admin.page.getByRole('tab', { name: 'Event settings', exact: true }).click();
      const sittingsForm = admin.page.getByRole('form', { name: 'Sittings' });
      await sittingsForm.getByLabel('Label (optional)').nth(1).waitFor();
      await sittingsForm.scrollIntoViewIfNeeded();
      await sittingsForm.screenshot({ path: path.join(OUT, `admin-sittings${suffix}.png`) });
      await admin.page.getByRole('tab', { name: 'Availability', exact: true }).click();
      await admin.page.getByLabel('Slot length (minutes)').first().waitFor();
      // At 390 px one teacher's fieldset (the page is long); the whole page on a desktop.
      if (suffix)
        await admin.page
          .locator('fieldset')
          .first()
          .screenshot({ path: path.join(OUT, `admin-availability${suffix}.png`) });
      else await admin.page.screenshot({ path: path.join(OUT, 'admin-availability.png'), fullPage: true });
      await admin.context.close();
    }

    // The operator's screen: the schools, one of them suspended, and the use of the service.
    await new OperatorAuth(
      app.db,
      60_000,
      new RateLimit(app.redis, `${app.config.REDIS_PREFIX}shots-op`, 10, 60),
    ).create({ email: 'ops@example.org', name: 'Ops Person', password: 'operator pass phrase' }, 10);
    const opLogin = await app.api('POST', '/api/v1/operator/login', {
      body: { email: 'ops@example.org', password: 'operator pass phrase' },
    });
    await app.api('PATCH', `/api/v1/operator/schools/${later.schoolId}`, {
      token: opLogin.body.token,
      body: { suspended: true },
    });
    const operator = await newPage(browser, { width: 1280, height: 900 });
    await operator.page.goto(`${app.url}/operator`);
    await operator.page.getByLabel('E-mail address').fill('ops@example.org');
    await operator.page.getByLabel('Password').fill('operator pass phrase');
    await operator.page.getByRole('button', { name: 'Sign in' }).click();
    await operator.page.getByRole('button', { name: 'Hillside School' }).click();
    await operator.page.getByRole('button', { name: 'Unsuspend Hillside School' }).waitFor();
    await operator.page.screenshot({ path: path.join(OUT, 'operator-schools.png'), fullPage: true });
    await operator.page.getByRole('button', { name: 'Use of the service' }).click();
    await operator.page.getByTestId('totals').waitFor();
    await operator.page.screenshot({ path: path.join(OUT, 'operator-traffic.png'), fullPage: true });
    await operator.page.getByRole('button', { name: 'Service updates' }).click();
    await operator.page.getByLabel('Subject').fill('Maintenance on Saturday morning');
    await operator.page
      .getByLabel('Message')
      .fill('Confer is unavailable on Saturday from 06:00 to 07:00 while we upgrade the database.');
    await operator.page.getByRole('button', { name: 'Preview' }).click();
    await operator.page.getByTestId('preview-text').waitFor();
    await operator.page.screenshot({ path: path.join(OUT, 'operator-updates.png'), fullPage: true });
    console.log(`screenshots written to ${OUT}`);
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
