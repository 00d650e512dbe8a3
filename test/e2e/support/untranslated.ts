import type { Page } from 'playwright-core';
import type { Db } from '../../../server/src/infra/db.ts';

/**
 * The words a screen may show untranslated because they are data, not text: names of the
 * school, staff, students and families, subjects, rooms, year groups, sittings and the event,
 * as stored for one school.
 */
export async function dataWords(db: Db, schoolId: string): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    `SELECT t FROM (
       SELECT name AS t FROM schools WHERE id = $1
       UNION ALL SELECT code FROM schools WHERE id = $1
       UNION ALL SELECT concat_ws(' ', title, first_name, surname) FROM staff WHERE school_id = $1
       UNION ALL SELECT concat_ws(' ', first_name, surname, year_group, class_name) FROM students WHERE school_id = $1
       UNION ALL SELECT surname FROM families WHERE school_id = $1
       UNION ALL SELECT e.name FROM events e WHERE e.school_id = $1
       UNION ALL SELECT s.label FROM event_sittings s JOIN events e ON e.id = s.event_id WHERE e.school_id = $1
       UNION ALL SELECT sl.room FROM slots sl JOIN events e ON e.id = sl.event_id WHERE e.school_id = $1
       UNION ALL SELECT ts.subject FROM teacher_students ts JOIN students st ON st.id = ts.student_id WHERE st.school_id = $1
     ) x WHERE t <> ''`,
    [schoolId],
  );
  return [...new Set(rows.flatMap((r) => r.t.match(/\p{L}+/gu) ?? []))];
}

/**
 * Every text on the page that did not come through the message layer while the page is shown
 * in the pseudo-locale en-XA: text nodes (visually hidden ones too: screen readers read them)
 * and the aria-label, title, placeholder and alt attributes. Pseudo-text (⟦…⟧) is removed, then
 * data words, the names of the languages in the picker and the month and weekday names Intl
 * writes; any word of plain ASCII letters left is English that skipped the layer.
 */
export async function untranslatedTexts(page: Page, allowed: readonly string[]): Promise<string[]> {
  return page.evaluate((allowedWords) => {
    const allow = new Set(allowedWords.map((w) => w.toLowerCase()));
    const intl = new Intl.DateTimeFormat('en-GB', { weekday: 'long', month: 'long' });
    const intlShort = new Intl.DateTimeFormat('en-GB', { weekday: 'short', month: 'short' });
    for (let d = 0; d < 366; d += 1)
      for (const f of [intl, intlShort])
        for (const part of f.formatToParts(new Date(Date.UTC(2026, 0, 1 + d))))
          if (part.type !== 'literal') allow.add(part.value.toLowerCase());
    const found: string[] = [];
    const where = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const testid = el.getAttribute('data-testid');
      return `${el.tagName.toLowerCase()}${id}${testid ? `[data-testid=${testid}]` : ''}`;
    };
    const check = (text: string | null, el: Element, what: string) => {
      if (!text) return;
      // Pseudo-text nests (a message inside a message's placeholder): innermost first.
      // Addresses (web and mail) are data too.
      let rest = text.replace(/\S+:\/\/\S+|[\w.+-]+@[\w.-]+/g, ' ');
      for (let before = ''; before !== rest; ) {
        before = rest;
        rest = rest.replace(/⟦[^⟦⟧]*⟧/g, ' ');
      }
      // Pseudo-text has no plain ASCII letter (each is accented), even in a piece of a message
      // split around an element; English always has.
      const words = (rest.match(/\p{L}+/gu) ?? []).filter(
        (w) => /[A-Za-z]{2}/.test(w) && !allow.has(w.toLowerCase()),
      );
      if (words.length > 0) found.push(`${where(el)} ${what}: "${text.trim().slice(0, 120)}"`);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const el = node.parentElement;
      if (!el || el.closest('script, style, noscript')) continue;
      check(node.nodeValue, el, 'text');
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt'])
        check(el.getAttribute(attr), el, attr);
    check(document.title, document.documentElement, 'title');
    return [...new Set(found)];
  }, allowed);
}
