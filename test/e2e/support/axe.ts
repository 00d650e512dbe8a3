import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.0, 2.1 and 2.2 A and AA rules (2.2 adds target size, 2.5.8). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeViolation {
  id: string;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG A/AA rules over the page as it is now, one line per violated rule with
 * the offending elements, so a failing test says what to fix. The script is injected once
 * per document (a navigation drops it).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(
    () => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined',
  );
  // Evaluated over the DevTools protocol, not as a <script>: the app's CSP (script-src
  // 'self') rightly refuses an injected inline script, and the test must not weaken it.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<AxeResults> } })
      .axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes
        .slice(0, 5)
        .map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`.slice(0, 300)),
    }));
  }, WCAG_TAGS);
}

/** Reflow (WCAG 1.4.10): nothing wider than the viewport, so no sideways scrolling. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.scrollingElement ?? document.documentElement;
    return el.scrollWidth - el.clientWidth;
  });
}

/** Every violation as readable text: `[]` in an assertion means the page passed. */
export async function axeReport(page: Page, state: string): Promise<string[]> {
  return (await axeViolations(page)).map((v) => `${state}: ${v.id} (${v.help}) → ${v.nodes.join(' | ')}`);
}

/**
 * What sticks out past the right edge, for a reflow failure's message: the outermost
 * elements wider than the screen, as tag.class paths.
 */
export function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of document.body.querySelectorAll<HTMLElement>('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 0.5 || r.width === 0) continue;
      // Inside a box that scrolls by itself (a wide grid): not the page's overflow.
      let p = el.parentElement;
      let contained = false;
      while (p && p !== document.body) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') contained = true;
        p = p.parentElement;
      }
      if (contained) continue;
      if (el.parentElement && out.some((o) => o === describe(el.parentElement!))) continue;
      out.push(describe(el));
    }
    return out.slice(0, 8);
    function describe(e: HTMLElement): string {
      const cls =
        typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : '';
      return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${cls} (${Math.round(e.getBoundingClientRect().right)} px)`;
    }
  });
}
