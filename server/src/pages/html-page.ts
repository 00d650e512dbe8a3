/**
 * Server-rendered pages (letters, schedules, privacy, forms): one self-contained
 * document with its styles inline and no script, font, image or other remote
 * resource, so it prints and opens the same offline and passes the strict CSP.
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const BASE_STYLE = `
  body{font-family:Arial,Helvetica,sans-serif;color:#1d1d1b;line-height:1.5;margin:0;background:#fff}
  main{max-width:760px;margin:0 auto;padding:24px}
  h1{font-size:1.6em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.4em 0 .4em}
  table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:4px 8px;text-align:start;vertical-align:top}
  label{display:block;margin:.8em 0 .2em;font-weight:bold}
  input,textarea,select{font:inherit;padding:6px;width:100%;max-width:480px;box-sizing:border-box}
  button{font:inherit;padding:8px 16px;margin-top:1em;background:#1f5f8b;color:#fff;border:0;border-radius:4px}
  .note{color:#555;font-size:.9em}.error{color:#a40000;font-weight:bold}
  .page{page-break-after:always;break-after:page;padding:24px 0}.page:last-child{page-break-after:auto;break-after:auto}
  .code{font-family:"Courier New",monospace;font-size:1.6em;letter-spacing:.1em;border:2px solid #1d1d1b;padding:8px 16px;display:inline-block}
  .languages{font-size:.9em;margin:0 0 1em;display:flex;flex-wrap:wrap;gap:.25em .5em}.languages a{display:inline-block;min-height:24px;min-width:24px;padding:.2em .35em;line-height:1.4}
  @media print{main{max-width:none;padding:0}.noprint{display:none}}
`;

/** The document's language: `lang` and `dir` on <html> (staff pages: English). */
export interface PageLanguage {
  tag: string;
  dir: 'ltr' | 'rtl';
}

const ENGLISH: PageLanguage = { tag: 'en-GB', dir: 'ltr' };

/** A whole HTML document around already-escaped body HTML. */
export function htmlDocument(
  title: string,
  bodyHtml: string,
  extraStyle = '',
  language: PageLanguage = ENGLISH,
): string {
  return `<!doctype html>
<html lang="${escapeHtml(language.tag)}" dir="${language.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style>${BASE_STYLE}${extraStyle}</style></head>
<body><main>
${bodyHtml}
</main></body></html>`;
}
