import express, { type Router } from 'express';
import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

/** The mail relay's host only: never its user name or password. */
function smtpHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return 'the configured mail server';
  }
}

/**
 * The privacy statement, written from the running configuration rather than kept
 * as prose beside it: if an operator changes the archive delay, the idle time-out
 * or the mail relay, this page says so at once. `?school=CODE` adds that school's
 * own retention period.
 */
export function privacyPages(config: Config, db: Db): Router {
  const router = express.Router();
  router.get('/privacy', async (req, res) => {
    const code = typeof req.query.school === 'string' ? req.query.school.toUpperCase().slice(0, 16) : '';
    const { rows } = code
      ? await db.query<{ name: string; retention_days: number }>(
          'SELECT name, retention_days FROM schools WHERE code = $1',
          [code],
        )
      : { rows: [] };
    const school = rows[0];
    const retention = school
      ? `${escapeHtml(school.name)} keeps personal data for <strong>${school.retention_days} days</strong> after each parents' evening ends.`
      : `Each school sets its own retention period (the default is <strong>365 days</strong>); add <code>?school=CODE</code> to this address to see your school's.`;
    const idle = config.SESSION_IDLE_MINUTES;
    res.type('html').send(
      htmlDocument(
        'Privacy: what Confer stores and why',
        `<h1>Privacy: what Confer stores and why</h1>
<p>Confer books parents' evening appointments for schools. Each school is the controller of its data; Confer only processes it to run the bookings. Nothing of one school is visible to another.</p>
<h2>What we store</h2>
<table>
<tr><th>Data</th><th>Why</th></tr>
<tr><td>Family surname, an optional e-mail address, and a digest of the family's access code</td><td>To sign families in and send their confirmations</td></tr>
<tr><td>Children's names, year group and class, and which teachers teach them</td><td>To offer the right teachers</td></tr>
<tr><td>Staff names, work e-mail and a password hash (argon2)</td><td>To sign staff in</td></tr>
<tr><td>Appointments, and a log of every booking change (ids and times only)</td><td>To run the evening and keep a record the school can check</td></tr>
<tr><td>Messages sent through the feedback form</td><td>To answer them</td></tr>
</table>
<p>We never ask for a postal address or a phone number.</p>
<h2>How long</h2>
<p>Events are archived ${config.ARCHIVE_AFTER_DAYS} days after they end and stay readable by their school. ${retention} After that, names and e-mail addresses are replaced by placeholders; only anonymous counts remain. A school can also export or erase one family's data on request.</p>
<h2>No cookies, no tracking</h2>
<p>Confer sets <strong>no cookies</strong>. Signing in gives your browser a token kept for this tab only (it is gone when the browser closes) and sessions end after ${idle} minutes without activity. Statistics are counts of page views per page and day, made on our server: no IP address, user id, cookie or fingerprint is stored for them. No third-party service, font, analytics or advertising is loaded.</p>
<h2>E-mail</h2>
<p>Booking confirmations, reminders and account links are sent by e-mail through the mail server <strong>${escapeHtml(smtpHost(config.SMTP_URL))}</strong> configured for this service, from ${escapeHtml(config.MAIL_FROM)}. Families without an e-mail address get no mail.</p>
<h2>Questions and complaints</h2>
<p>Use the <a href="/feedback">feedback form</a>, or contact your school.</p>`,
      ),
    );
  });
  return router;
}
