import type { IssuedCode } from '../features/access-codes/access-codes.service.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

/**
 * Print-ready letters, one family per page (CSS page breaks), no external assets:
 * the admin prints straight from the browser.
 */
export function lettersPage(
  school: { name: string; code: string },
  loginUrl: string,
  codes: IssuedCode[],
): string {
  const letters = codes
    .map(
      (c) => `<section class="page">
<p>${escapeHtml(school.name)}</p>
<h1>Parents' evening bookings: your access code</h1>
<p>Dear ${escapeHtml(c.surname)} family,</p>
<p>We use Confer to book parents' evening appointments. To sign in, go to <strong>${escapeHtml(loginUrl)}</strong> and enter:</p>
<table style="width:auto">
<tr><th>School code</th><td><span class="code">${escapeHtml(school.code)}</span></td></tr>
<tr><th>Surname</th><td><span class="code">${escapeHtml(c.surname)}</span></td></tr>
<tr><th>Access code</th><td><span class="code">${escapeHtml(c.accessCode)}</span></td></tr>
</table>
<p>Please keep this letter private: anyone with the code can book or cancel your appointments. If you lose it, ask the school office for a new one (the old code then stops working).</p>
<p class="note">Confer sets no cookies and stores only what the booking needs. See ${escapeHtml(loginUrl.replace(/\/$/, ''))}/privacy.</p>
</section>`,
    )
    .join('\n');
  return htmlDocument(`Access code letters – ${school.name}`, letters || '<p>No families were selected.</p>');
}
