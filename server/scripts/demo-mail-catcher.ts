import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { escapeHtml, htmlDocument } from '../src/pages/html-page.ts';

/**
 * The demo's own mail catcher: without it the workers sent every mail to an
 * SMTP server that was not there and retried into the void, and a newcomer never saw
 * what families receive. An SMTP server and a page listing what it caught, both on
 * 127.0.0.1 only (the mails hold the demo's access codes). Used by `npm run demo`
 * when SMTP_URL is not set; never by `npm start`.
 */
export interface CaughtMail {
  at: Date;
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; size: number }[];
}

export interface MailCatcher {
  smtpUrl: string;
  pageUrl: string;
  caught(): readonly CaughtMail[];
  close(): Promise<void>;
}

/** The newest this many are kept: a demo evening sends a few hundred. */
const KEEP = 300;

export async function startMailCatcher(): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          mails.unshift({
            at: new Date(),
            to: typeof m.to === 'object' && m.to && 'text' in m.to ? m.to.text : '',
            subject: m.subject ?? '(no subject)',
            text: m.text ?? '',
            attachments: m.attachments.map((a) => ({
              filename: a.filename ?? '(unnamed)',
              contentType: a.contentType,
              size: a.size,
            })),
          });
          mails.length = Math.min(mails.length, KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const page = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/') !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(htmlDocument('Demo mail', listHtml(mails)));
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const pagePort = (page.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    pageUrl: `http://127.0.0.1:${pagePort}/`,
    caught: () => mails,
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => page.close(() => resolve()));
    },
  };
}

function listHtml(mails: readonly CaughtMail[]): string {
  const head = `<h1>Mail the demo sent</h1><p class="note">Caught by the demo instead of being delivered; the newest ${KEEP} are kept, newest first. Reload to see new ones.</p>`;
  if (mails.length === 0) return `${head}<p>No mail yet. Book an appointment as a family to get one.</p>`;
  return (
    head +
    mails
      .map(
        (m) => `<article><h2>${escapeHtml(m.subject)}</h2>
<p class="note">To ${escapeHtml(m.to)} · ${escapeHtml(m.at.toISOString())}${
          m.attachments.length
            ? ` · attached: ${m.attachments.map((a) => `${escapeHtml(a.filename)} (${escapeHtml(a.contentType)})`).join(', ')}`
            : ''
        }</p>
<pre style="white-space:pre-wrap">${escapeHtml(m.text)}</pre></article>`,
      )
      .join('\n')
  );
}
