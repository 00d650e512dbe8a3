/**
 * For client tests rendered in the pseudo-locale en-XA: what a component shows that is neither
 * pseudo-text (⟦…⟧, from the message layer) nor data. `data` is what the test's fixtures hold
 * (names, rooms, codes): never translated.
 */
export function pseudoChecker(data: readonly string[]) {
  /** The part of a text that is neither pseudo-text nor data ('' when all of it is one or the other). */
  function notTranslated(text: string): string {
    let rest = text
      .replace(/⟦[^⟧]*(⟧|$)/g, ' ') // whole pseudo texts, and the start of one an element interrupts
      .replace(/^[^⟦]*⟧/, ' '); // the end of one an element interrupted
    for (const d of data) rest = rest.split(d).join(' ');
    // Times, countdowns, numbers, punctuation and symbols (✓ ✕ ↑ ↓ · – —) are data too.
    rest = rest.replace(/[\p{N}\p{P}\p{S}\s\u200b\u2063]+/gu, ' ');
    return /\p{L}/u.test(rest) ? rest.trim() : '';
  }

  /** Every text node and text attribute under `root` that skipped the message layer. */
  function english(root: HTMLElement): string[] {
    const found: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      if (text.trim() && notTranslated(text)) found.push(JSON.stringify(text.trim()));
    }
    for (const el of root.querySelectorAll('*'))
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = el.getAttribute(attr);
        if (value && notTranslated(value)) found.push(`${attr}=${JSON.stringify(value)}`);
      }
    return found;
  }

  return { notTranslated, english };
}
