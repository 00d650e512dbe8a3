import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import { bookingErrorText, describeWait, loginErrorText } from '../../client/src/lib/error-text.ts';
import { showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';
import HoldTray from '../../client/src/parent/HoldTray.svelte';
import Itinerary from '../../client/src/parent/Itinerary.svelte';
import PausedBanner from '../../client/src/parent/PausedBanner.svelte';
import TeacherList from '../../client/src/parent/TeacherList.svelte';
import AppHeader from '../../client/src/shared/AppHeader.svelte';
import { localeNames } from '../../protocol/locales.ts';
import type { StudentView } from '../../protocol/schemas.ts';
import { pseudoChecker } from '../support/pseudo-text.ts';
import {
  booking,
  event,
  gridWorld,
  itineraryProps,
  scriptedApi,
  slot,
  teachers,
} from './fixtures/grid-data.ts';
import ParentGridHarness from './fixtures/ParentGridHarness.svelte';

/**
 * The parent's booking screens in the pseudo-locale en-XA: every text a family sees (text,
 * aria-label, title, placeholder, alt, what the live regions say) is pseudo-text (⟦…⟧, from
 * the message layer) or data (names, rooms, times, numbers). English typed into a component
 * cannot pass. No language is translated yet, so en-XA stands for all of them.
 */

// What the fixtures hold as data, and each language's name in itself: never translated.
const DATA = [
  'Mr Smith',
  'Ms Jones',
  'Oliver',
  'Amelia',
  'Hill School',
  'Hill',
  'Room 1',
  'Room 2',
  'Test evening',
  ...Object.values(localeNames),
];

const { notTranslated, english } = pseudoChecker(DATA);

const student: StudentView = {
  id: 'kid',
  firstName: 'Oliver',
  surname: 'Hill',
  yearGroup: 'Year 8',
  className: '8A',
  teacherIds: ['t1', 't2'],
};

describe("the parent's screens in the pseudo-locale", () => {
  beforeEach(async () => {
    await showLanguage('en-XA');
  });
  afterEach(async () => {
    await showLanguage('en');
  });

  it('finds English that skipped the message layer (the check itself)', () => {
    const div = document.createElement('div');
    div.innerHTML = '<p>⟦Ýóúŕ ĥóļďš⟧ 16:00 Mr Smith</p><button aria-label="Hold 16:00">16:00</button>';
    expect(english(div)).toEqual(['aria-label="Hold 16:00"']);
  });

  it('the hold tray: heading, countdown, warning, buttons and what a screen reader hears', () => {
    const clock = new Clock();
    const start = Date.now();
    clock.now = start;
    const hold = booking(slot('t1', 0), 'held', 'kid', { expiresAt: new Date(start + 70_000).toISOString() });
    const announcer = new Announcer();
    const { container } = render(HoldTray, {
      holds: [hold],
      event,
      clock,
      busy: false,
      onconfirm: () => {},
      onextend: () => {},
      onrelease: () => {},
      announcer,
    });
    // Past the 60 s point, and into the warning.
    clock.now = start + 45_000;
    flushSync();
    expect(container.textContent).toContain('⟦');
    expect(screen.getByTestId('countdown').textContent).toMatch(/^⟦0:25 .+⟧$/);
    expect(screen.getAllByRole('button').every((b) => b.textContent?.includes('⟦'))).toBe(true);
    expect(english(container)).toEqual([]);
    expect(announcer.polite).toMatch(/^⟦.*16:00.*Mr Smith.*⟧$/);
    expect(notTranslated(announcer.polite)).toBe('');
  });

  it('the teacher list on a phone: next free times, yours, and the whole evening', async () => {
    const slots = [slot('t1', 0), slot('t1', 1), slot('t1', 2), slot('t2', 0), slot('t2', 1, 'booked')];
    const w = gridWorld(slots);
    w.family.bookings = [booking(slots[0]!, 'confirmed', 'kid')];
    Object.assign(w.live, { layout: w.layout });
    const { container } = render(TeacherList, {
      student,
      teachers,
      live: w.live,
      family: w.family,
      event,
      clock: w.clock,
      bookingOpen: true,
      nameOf: () => 'Oliver Hill',
      onhold: async () => {},
    });
    for (const button of screen.getAllByRole('button', { expanded: false })) await fireEvent.click(button);
    expect(screen.getAllByRole('list').length).toBeGreaterThan(1);
    expect(container.querySelector('[data-state="mine"]')?.textContent).toContain('⟦');
    expect(english(container)).toEqual([]);
  });

  it("the grid: every cell's words and spoken label", () => {
    const slots = [
      slot('t1', 0, 'free'),
      slot('t1', 1, 'held', { heldUntil: new Date(Date.now() + 60_000).toISOString() }),
      slot('t1', 2, 'booked'),
      slot('t1', 3, 'blocked'),
      slot('t2', 0),
      slot('t2', 1),
      slot('t2', 2),
    ];
    const w = gridWorld(slots);
    w.family.bookings = [booking(slots[5]!, 'confirmed', 'sib'), booking(slots[6]!, 'held', 'kid')];
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    const labels = [...container.querySelectorAll('[role="gridcell"]')].map((c) =>
      c.getAttribute('aria-label'),
    );
    expect(labels.every((l) => l?.includes('⟦'))).toBe(true);
    // The test harness names the grid itself ("Test grid"): everything else is ours.
    container.querySelector('table')?.removeAttribute('aria-label');
    expect(english(container)).toEqual([]);
  });

  it('the itinerary, the paused banner and the header', async () => {
    const mine = booking(slot('t1', 1), 'confirmed', 'kid', { subject: 'Maths' });
    const props = itineraryProps([mine], {
      api: scriptedApi({}).api,
      expected: new Map([[mine.id, mine.endsAt]]),
    });
    // While the service is away: the banner with the time of the list.
    const paused = render(Itinerary, { ...props, paused: true, asOf: mine.startsAt });
    expect(screen.getByTestId('degraded-banner').querySelector('time')?.textContent).toBe('16:05');
    expect(english(paused.container).filter((s) => !s.includes('Maths'))).toEqual([]);
    paused.unmount();
    // Changing and cancelling, with nothing to move to.
    const itinerary = render(Itinerary, props);
    await fireEvent.click(screen.getByRole('button', { name: /^⟦Çĥáñĝé⟧$/ }));
    expect(screen.getByRole('group').getAttribute('aria-label')).toMatch(/^⟦.*Mr Smith⟧$/);
    expect(english(itinerary.container).filter((s) => !s.includes('Maths'))).toEqual([]);
    itinerary.unmount();

    const banner = render(PausedBanner, {
      paused: { message: 'Ein Lehrer steckt im Stau.', since: mine.startsAt, by: 'operator' },
      timeZone: event.timeZone,
    });
    // The school's own message is theirs, as they wrote it; the rest is ours.
    expect(english(banner.container).filter((s) => !s.includes('Lehrer'))).toEqual([]);
    expect(banner.container.querySelector('time')?.textContent).toBe('16:05');
    banner.unmount();

    const header = render(AppHeader, {
      schoolName: 'Hill School',
      who: 'Hill',
      status: 'reconnecting',
      onsignout: () => {},
      onlanguage: () => {},
    });
    expect(screen.getByRole('combobox')).toBeTruthy();
    expect(english(header.container)).toEqual([]);
  });

  it('refusals are in the language on screen, never the server’s English', () => {
    const what = '16:00 with Mr Smith';
    const taken = bookingErrorText(
      { code: 'slot_taken', message: 'Someone else has just taken this slot.' },
      what,
    );
    expect(taken).toMatch(/^⟦.*16:00 with Mr Smith.*⟧$/);
    for (const code of ['window_closed', 'not_found', 'internal', 'interpreter_unavailable'] as const) {
      const text = bookingErrorText({ code, message: 'Server English.' }, what);
      expect(text).not.toContain('Server English');
      expect(text).toMatch(/^⟦.+⟧$/);
    }
    expect(loginErrorText({ code: 'forbidden', message: 'suspended' }, 'family')).toMatch(/^⟦.+⟧$/);
    expect(describeWait(290)).toBe('⟦5 ɱíñúţéš⟧');
    expect(describeWait(1)).toBe('⟦1 šéçóñď⟧');
  });
});

describe('right to left', () => {
  afterEach(async () => {
    await showLanguage('en');
  });

  it('Arabic and Urdu turn the page right to left, English turns it back', async () => {
    await showLanguage('ar');
    expect(document.documentElement.dir).toBe('rtl');
    expect(document.documentElement.lang).toBe('ar');
    await showLanguage('en');
    expect(document.documentElement.dir).toBe('ltr');
    await showLanguage('ur');
    expect(document.documentElement.dir).toBe('rtl');
    await showLanguage('cy');
    expect(document.documentElement.dir).toBe('ltr');
  });

  it("in a right-to-left grid, the right arrow goes to the earlier time (the one on the cell's right)", async () => {
    const slots = [slot('t1', 0), slot('t1', 1), slot('t1', 2)];
    const w = gridWorld(slots);
    const { container } = render(ParentGridHarness, { ...w, event, studentId: 'kid' });
    const table = container.querySelector('table')!;
    table.style.direction = 'rtl';
    const middle = container.querySelector<HTMLElement>('[data-slot="t1-s1"]')!;
    middle.focus();
    await fireEvent.keyDown(middle, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(container.querySelector('[data-slot="t1-s0"]'));
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    await fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(container.querySelector('[data-slot="t1-s2"]'));
  });
});
