import express, { type Router } from 'express';
import type {
  Component,
  ComponentState,
  Incident,
  ServiceMessage,
  ServiceStatusReport,
} from '../../../protocol/status.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

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
 * text or a number, but the operator's messages (escaped), which may name a school:
 * nothing about a person.
 */
export function statusPage(read: () => Promise<ServiceStatusReport>): Router {
  const router = express.Router();
  router.get('/status', async (_req, res) => {
    const status = await read();
    // Always the state of now: no browser or proxy may show an old copy.
    res.set('Cache-Control', 'no-store');
    res.type('html').send(htmlDocument(TITLE, statusBody(status), STYLE));
  });
  return router;
}

const STYLE =
  '.up{color:#1b5e20}.down{color:#a40000;font-weight:bold}.unknown{color:#5c4400}.messages{border:2px solid #5c4400;background:#fff8e1;padding:.6rem 1.6rem}.when{color:#444;font-weight:normal}th,td,caption{overflow-wrap:anywhere}@media (max-width:480px){main{padding:12px}th,td{padding:4px}}';

function statusBody(s: ServiceStatusReport): string {
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
${messagesBlock(s.messages)}
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
${incidentsBlock(s.incidents)}
<p class="note">This page refreshes when you reload it.</p>`;
}

const COMPONENT_NAMES: Record<Component, string> = {
  database: 'Database',
  redis: 'Redis',
  workers: 'Workers',
  mail: 'E-mail',
};

/** The operator's words, escaped: the only text on the page not fixed here. */
function messagesBlock(messages: ServiceMessage[]): string {
  if (messages.length === 0) return '';
  return `<section aria-labelledby="messages-h"><h2 id="messages-h">Messages from the service</h2>
<ul class="messages">
${messages
  .map(
    (m) =>
      `<li data-testid="status-message"><strong>${m.schoolName ? `For ${escapeHtml(m.schoolName)}` : 'For every school'}:</strong> ${escapeHtml(m.body)} <span class="when">(posted <time datetime="${m.postedAt}">${hhmm(m.postedAt)} UTC</time>${m.updatedAt !== m.postedAt ? `, updated <time datetime="${m.updatedAt}">${hhmm(m.updatedAt)} UTC</time>` : ''})</span></li>`,
  )
  .join('\n')}
</ul></section>`;
}

function hhmm(iso: string): string {
  return new Date(iso).toISOString().slice(11, 16);
}

function dayAndTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function incidentsBlock(incidents: Incident[]): string {
  const body =
    incidents.length === 0
      ? '<p>No incidents recorded.</p>'
      : `<table>
<caption>Times a part was not working, newest first (UTC)</caption>
<tr><th scope="col">Part</th><th scope="col">Not working from</th><th scope="col">Back at</th><th scope="col">For</th></tr>
${incidents
  .map(
    (i) =>
      `<tr data-testid="status-incident"><th scope="row">${COMPONENT_NAMES[i.component]}</th><td><time datetime="${i.startedAt}">${dayAndTime(i.startedAt)}</time></td><td>${i.endedAt ? `<time datetime="${i.endedAt}">${dayAndTime(i.endedAt)}</time>` : '<strong class="down">Not back yet</strong>'}</td><td>${duration(i.durationSeconds)}</td></tr>`,
  )
  .join('\n')}
</table>`;
  return `<section aria-labelledby="incidents-h"><h2 id="incidents-h">Last incidents</h2>
${body}</section>`;
}
