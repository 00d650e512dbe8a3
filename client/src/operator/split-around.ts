/**
 * A message with one part drawn differently (a link, words in bold) is written whole, with a
 * {placeholder} for that part, so its words keep their order; this gives the text before and
 * after that part, for markup to put the part between them.
 */
const MARK = '\u0000';

export function splitAround(render: (part: string) => string): [before: string, after: string] {
  const [before = '', after = ''] = render(MARK).split(MARK);
  return [before, after];
}
