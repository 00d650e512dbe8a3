/**
 * A translated sentence with one piece of markup inside it ("Booking is paused since
 * <time>18:05</time>."): the message is asked for with MARK in the placeholder's place and
 * cut there, so the translation decides where the piece goes and the markup stays ours.
 */
export const MARK = '\u2063';

/** The text before and after MARK (all of it before, when a school's wording left it out). */
export function around(text: string): [before: string, after: string] {
  const i = text.indexOf(MARK);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + MARK.length)];
}

/** The text either side of a message's one marked-up part: `render` fills that part's placeholder. */
export function splitAround(render: (part: string) => string): [before: string, after: string] {
  return around(render(MARK));
}
