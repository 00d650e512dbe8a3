import { render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { Clock } from '../../client/src/lib/clock.svelte.ts';
import { showLanguage } from '../../client/src/lib/i18n/messages.svelte.ts';
import HoldTray from '../../client/src/parent/HoldTray.svelte';
import Itinerary from '../../client/src/parent/Itinerary.svelte';
import { pseudoChecker } from '../support/pseudo-text.ts';
import { booking, event, itineraryProps, scriptedApi, slot } from './fixtures/grid-data.ts';

/**
 * A family that needs an interpreter reads, under each appointment and each held time that
 * has one, that an interpreter for its language will join: the language named in the
 * language on screen, the interpreter not at all (BookingView carries the language only).
 */
// What the fixtures hold as data: never translated.
const DATA = [
  'Mr Smith',
  'Ms Jones',
  'Oliver Hill',
  'Hill School',
  'Test evening',
  'Hill',
  'Room 1',
  'Room 2',
];
const withInterpreter = booking(slot('t1', 1), 'confirmed', 'kid', { interpreterLanguage: 'pl' });
const without = booking(slot('t2', 3), 'confirmed', 'kid', { interpreterLanguage: null });

function itinerary() {
  return render(Itinerary, itineraryProps([withInterpreter, without], { api: scriptedApi({}).api }));
}

afterEach(async () => {
  await showLanguage('en');
});

describe('the itinerary says which meetings an interpreter joins', () => {
  it('under the appointment that has one, not under the one without', () => {
    itinerary();
    const [first, second] = screen.getAllByTestId('itinerary-item');
    expect(within(first!).getByTestId('itinerary-interpreter').textContent).toBe(
      'An interpreter for Polish will join you.',
    );
    expect(within(second!).queryByTestId('itinerary-interpreter')).toBeNull();
    expect(second!.textContent).not.toMatch(/interpreter/i);
  });

  it('in the language on screen, the language named in it too; British Sign Language by its message', async () => {
    await showLanguage('cy');
    const { unmount } = itinerary();
    expect(screen.getByTestId('itinerary-interpreter').textContent).toBe(
      'Bydd cyfieithydd ar gyfer Pwyleg yn ymuno â chi.',
    );
    unmount();
    render(
      Itinerary,
      itineraryProps([{ ...withInterpreter, interpreterLanguage: 'bfi' }], {
        api: scriptedApi({}).api,
        canChange: false,
      }),
    );
    expect(screen.getByTestId('itinerary-interpreter').textContent).toBe(
      'Bydd cyfieithydd ar gyfer Iaith Arwyddion Prydain (BSL) yn ymuno â chi.',
    );
  });

  it('in the pseudo-locale, the line comes from the message layer', async () => {
    await showLanguage('en-XA');
    const { container } = itinerary();
    expect(screen.getByTestId('itinerary-interpreter').textContent).toMatch(/^⟦.*Polish.*⟧$/);
    const { english } = pseudoChecker(DATA);
    expect(english(container)).toEqual([]);
  });
});

describe('the hold tray says which held times an interpreter is held for', () => {
  it('under the hold that has one only', () => {
    const clock = new Clock();
    const expiresAt = new Date(Date.now() + 120_000).toISOString();
    render(HoldTray, {
      holds: [
        booking(slot('t1', 0), 'held', 'kid', { expiresAt, interpreterLanguage: 'pl' }),
        booking(slot('t2', 2), 'held', 'kid', { expiresAt, interpreterLanguage: null }),
      ],
      event,
      clock,
      busy: false,
      onconfirm: () => {},
      onextend: () => {},
      onrelease: () => {},
    });
    const lines = screen.getAllByTestId('hold-interpreter');
    expect(lines.map((l) => l.textContent)).toEqual(['An interpreter for Polish is held for this time too.']);
    expect(lines[0]!.closest('li')?.textContent).toContain('Mr Smith');
  });
});
