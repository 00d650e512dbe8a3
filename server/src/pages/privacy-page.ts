import express, { type Router } from 'express';
import {
  COMPLAINT_ANSWER_SCHOOL_DAYS,
  COMPLAINT_STATUS_PATH,
  ICO_COMPLAINT_URL,
} from '../../../protocol/complaints-procedure.ts';
import { DEFAULT_RETENTION_DAYS } from '../../../protocol/school-settings.ts';
import type { Config } from '../config.ts';
import { retentionRules } from '../features/retention/retention-rules.ts';
import type { Db } from '../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

interface School {
  code: string;
  name: string;
  retention_days: number;
  contact_email: string | null;
}

const TITLE = 'Privacy: what Confer stores and why';

/**
 * The privacy statement, written from what the code does rather than kept as prose
 * beside it: the retention table is retention-rules.ts (the sweep's own constants) with
 * the school's period from `schools.retention_days`, the very column the sweep reads,
 * and the complaint deadline is the procedure's constant. A family reaches it from the
 * app's footer with its school already chosen (`?school=CODE`); without one the page
 * offers a field for the school's code, so nobody has to edit an address. It names no
 * server, host or internal part of the service: those are the operator's business.
 */
export function privacyPages(config: Config, db: Db): Router {
  const router = express.Router();
  router.get('/privacy', async (req, res) => {
    const asked =
      typeof req.query.school === 'string' ? req.query.school.trim().toUpperCase().slice(0, 16) : '';
    const { rows } = /^[A-Z0-9]{3,16}$/.test(asked)
      ? await db.query<School>(
          'SELECT code, name, retention_days, contact_email FROM schools WHERE code = $1',
          [asked],
        )
      : { rows: [] };
    res.type('html').send(htmlDocument(TITLE, privacyBody(config, rows[0] ?? null, asked)));
  });
  return router;
}

function privacyBody(config: Config, school: School | null, asked: string): string {
  const schoolName = school ? escapeHtml(school.name) : 'your school';
  const contact = school?.contact_email
    ? `<a href="mailto:${escapeHtml(school.contact_email)}">${escapeHtml(school.contact_email)}</a>`
    : null;
  const askSchool = contact
    ? `write to ${schoolName} at ${contact}, or ask the school office`
    : `ask ${schoolName}'s office`;
  const rules = retentionRules(school?.retention_days ?? null, config.ARCHIVE_AFTER_DAYS);
  return `<p><a href="/">Back to booking</a></p>
<h1>${TITLE}</h1>
${school ? `<p>This page describes how Confer handles data for <strong>${schoolName}</strong>.</p>` : schoolForm(asked)}
<h2>Who decides, who processes</h2>
<p>${school ? schoolName : 'Each school'} is the <strong>data controller</strong>: it decides which families and children are in Confer, what is kept and for how long, and answers requests about your data. The organisation hosting Confer for the school is the <strong>data processor</strong>: it runs the service on the school's instructions and uses the data for nothing else. Nothing of one school is visible to another.</p>
<h2>What is stored and why</h2>
<table>
<caption>Personal data held, and its purpose</caption>
<tr><th scope="col">Data</th><th scope="col">Why</th></tr>
<tr><td>Family surname, an optional e-mail address, and the family's access code (kept as a digest, plus a sealed copy only until the code's e-mail is sent)</td><td>To sign families in and send their confirmations</td></tr>
<tr><td>Children's names, year group and class, and which teachers teach them (class lists)</td><td>To offer the right teachers</td></tr>
<tr><td>Staff names, work e-mail and a password hash</td><td>To sign staff in</td></tr>
<tr><td>Appointments, notes a teacher writes, and a record of every change (who, what, when)</td><td>To run the evening and keep a record the school can check</td></tr>
<tr><td>Messages sent through the feedback and complaints form</td><td>To answer them</td></tr>
</table>
<p>Confer never asks for a postal address or a phone number.</p>
<h2>How long it is kept</h2>
<p>${
    school
      ? `${schoolName} keeps personal data for <strong>${school.retention_days} days</strong>.`
      : `Each school sets its own retention period (a new school starts with ${DEFAULT_RETENTION_DAYS} days).`
  } After that, only anonymous counts remain (how many appointments, in which year groups). What is removed, and when:</p>
<table>
<caption>What is removed, and when</caption>
<tr><th scope="col">What</th><th scope="col">When</th></tr>
${rules.map((r) => `<tr><td>${escapeHtml(r.what)}</td><td>${escapeHtml(r.when)}</td></tr>`).join('\n')}
</table>
<h2>Your rights</h2>
<p>You have the right to:</p>
<ul>
<li><strong>access</strong>: get a copy of everything held about your family;</li>
<li><strong>rectification</strong>: have wrong details corrected;</li>
<li><strong>erasure</strong>: have your family's data erased before the retention period ends;</li>
<li><strong>objection</strong>: object to how your data is used.</li>
</ul>
<p>To use any of them, ${askSchool}. The school decides and acts on it: it can export everything held about a family, correct it through its records, or erase a family.</p>
<h2>No cookies, no tracking</h2>
<p>Confer sets <strong>no cookies</strong>. Signing in gives your browser a token kept for this tab only (it is gone when the browser closes), and a session ends after ${config.SESSION_IDLE_MINUTES} minutes without activity. Statistics are counts of page views per page and day: no IP address, user id, cookie or fingerprint is stored for them. No third-party service, font, analytics or advertising is loaded.</p>
<h2>E-mail</h2>
<p>Booking confirmations, reminders and account links go by e-mail only to families and staff who have an e-mail address on record. The mail carries no images, tracking or remote content.</p>
<h2>Questions and complaints</h2>
<ul>
<li>About ${schoolName}'s use of your data, or your appointments: ${school ? 'the school answers' : 'your school answers'}. ${contact ? `Write to ${contact}, or use` : 'Use'} the <a href="/feedback">feedback and complaints form</a> with the school's code${school ? ` (${escapeHtml(school.code)})` : ''}.</li>
<li>About the Confer service itself (the website not working, for example): the organisation hosting Confer answers. Use the same form and leave the school code empty.</li>
</ul>
<p>A complaint is answered within <strong>${COMPLAINT_ANSWER_SCHOOL_DAYS} school days</strong>. The form gives you a reference and a secret; with them you can <a href="${COMPLAINT_STATUS_PATH}">follow your complaint</a> and read the answer.</p>
<p>If you are not satisfied with how a data-protection complaint was handled, you can complain to the Information Commissioner's Office (ICO), the UK regulator: <a href="${ICO_COMPLAINT_URL}">${ICO_COMPLAINT_URL}</a>.</p>`;
}

/** Asks for the school's code (it is on every family's letter) instead of telling anyone to edit an address. */
function schoolForm(asked: string): string {
  const unknown = asked
    ? `<p class="error" role="alert">No school has the code ${escapeHtml(asked)}. Check the code on your letter.</p>`
    : '';
  return `${unknown}<form method="get" action="/privacy">
<label for="school">Your school's code (on your access-code letter), to see its own retention period and contact</label>
<input id="school" name="school" autocomplete="off" maxlength="16" value="${escapeHtml(asked)}">
<button type="submit">Show my school's details</button>
</form>`;
}
