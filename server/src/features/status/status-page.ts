import express, { type Router } from 'express';
import type { ComponentState, ServiceStatus } from '../../../../protocol/status.ts';
import { htmlDocument } from '../records/html-page.ts';

const TITLE = 'Confer service status';

const STATE_WORDS: Record<ComponentState, string> = {
  up: 'Working',
  down: 'Not working',
  unknown: 'Not known just now',
};

function ago(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

/**
 * /status: the same report as GET /api/v1/status, for a parent or a school office on
 * the night, without signing in. Server-rendered with no script and no cookie, so it
 * still reads when the app itself cannot load its data. Every word on it is fixed
 * text or a number: nothing about a school or a person.
 */
export function statusPage(read: () => Promise<ServiceStatus>): Router {
  const router = express.Router();
  router.get('/status', async (_req, res) => {
    const status = await read();
    // Always the state of now: no browser or proxy may show an old copy.
    res.set('Cache-Control', 'no-store');
    res.type('html').send(htmlDocument(TITLE, statusBody(status), STYLE));
  });
  return router;
}

const STYLE = '.up{color:#1b5e20}.down{color:#a40000;font-weight:bold}.unknown{color:#5c4400}';

function statusBody(s: ServiceStatus): string {
  const c = s.components;
  const rows: [string, string, ComponentState, string][] = [
    ['Database', 'Bookings, appointments and sign-in', c.database.state, ''],
    ['Redis', 'Live updates and holding a slot', c.redis.state, ''],
    [
      'Workers',
      'Confirmation e-mails, releasing expired holds',
      c.workers.state,
      c.workers.lastSeenSeconds === null
        ? 'never heard from'
        : `last heard from ${ago(c.workers.lastSeenSeconds)}`,
    ],
    [
      'E-mail',
      'Sending to the mail relay',
      c.mail.state,
      c.mail.lastAttemptSeconds === null
        ? 'nothing sent lately'
        : `last message ${ago(c.mail.lastAttemptSeconds)}`,
    ],
  ];
  const summary =
    s.overall === 'up'
      ? 'Everything is working.'
      : 'Part of the service is not working. Appointments already made are kept; booking may pause until it is back.';
  return `<p><a href="/">Back to booking</a></p>
<h1>${TITLE}</h1>
<p><strong>${summary}</strong></p>
<table>
<caption>State of each part, checked at <time datetime="${s.checkedAt}">${s.checkedAt.slice(11, 19)} UTC</time></caption>
<tr><th scope="col">Part</th><th scope="col">What it does</th><th scope="col">State</th><th scope="col">Details</th></tr>
${rows
  .map(
    ([name, what, state, detail]) =>
      `<tr><th scope="row">${name}</th><td>${what}</td><td class="${state}" data-component="${name.toLowerCase()}">${STATE_WORDS[state]}</td><td>${detail}</td></tr>`,
  )
  .join('\n')}
</table>
<p class="note">This page refreshes when you reload it.</p>`;
}
