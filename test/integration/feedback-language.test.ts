/**
 * Feedback and complaints are answered in the language their form was shown in
 * (feedback.language, migration 035): the acknowledgement and every reply, through the
 * workers and a real SMTP server. The sender need not be a family, so the item keeps it.
 */
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { RetentionService } from '../../server/src/features/retention/retention.service.ts';
import { translatorFor } from '../../server/src/i18n/translator.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, PASSWORD, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp } from './workers-harness.ts';

let app: TestApp;
let smtp: TestSmtp;
let workers: RunningWorkers;
let school: SeededSchool;
let admin: string;

/** The mails to one address, once there are `count` of them, oldest first. */
async function mailsTo(address: string, count: number): Promise<ParsedMail[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const found = smtp.messages.filter((m) => JSON.stringify(m.to ?? '').includes(address));
    if (found.length >= count) return found;
    if (Date.now() > until) throw new Error(`${found.length} of ${count} mails to ${address}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stored(reference: string): Promise<{ id: string; language: string | null }> {
  const { rows } = await app.db.query<{ id: string; language: string | null }>(
    'SELECT id, language FROM feedback WHERE reference = $1',
    [reference],
  );
  return rows[0]!;
}

async function feedbackCount(): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feedback');
  return rows[0]!.n;
}

function postPage(
  fields: Record<string, string>,
  forwardedFor: string,
  headers: Record<string, string> = {},
) {
  return fetch(`${app.url}/feedback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': forwardedFor,
      ...headers,
    },
    body: new URLSearchParams(fields),
  });
}

async function reply(feedbackId: string, body: string, status?: string) {
  const res = await app.api('POST', `/api/v1/admin/feedback/${feedbackId}/replies`, {
    token: admin,
    body: { body, ...(status ? { status } : {}) },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ SMTP_URL: smtp.url, FEEDBACK_PER_HOUR: '50', TRUST_PROXY: '1' });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'] });
  school = await seedSmallSchool(app, { code: 'FBLANG' });
  admin = await loginStaff(app, school.admin.email, PASSWORD);
});
afterAll(async () => {
  await workers.close();
  await app.close();
  await smtp.close();
});

describe('feedback mail in the language of its form', () => {
  it('the Welsh /feedback page: the acknowledgement and the replies are Welsh', async () => {
    const cy = translatorFor('cy');
    const form = await (await fetch(`${app.url}/feedback?lang=cy`)).text();
    expect(form).toContain('<input type="hidden" name="lang" value="cy">');

    const address = 'rhiant@example.org';
    const res = await postPage(
      {
        lang: 'cy',
        kind: 'feedback',
        schoolCode: 'FBLANG',
        name: 'Rhiant',
        email: address,
        subject: 'Parcio',
        body: 'Roedd y maes parcio yn llawn.',
      },
      '198.51.100.21',
    );
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/<html lang="cy" dir="ltr">/);
    const reference = /FB-[A-Z0-9]{8}/.exec(page)![0];
    const item = await stored(reference);
    expect(item.language).toBe('cy');

    const [ack] = await mailsTo(address, 1);
    expect(ack!.subject).toBe(cy.m.mail_feedback_subject_feedback({ reference }));
    expect(ack!.subject).not.toBe(translatorFor('en').m.mail_feedback_subject_feedback({ reference }));
    expect(String(ack!.html)).toMatch(/<html lang="cy" dir="ltr">/);
    expect(ack!.text).toContain(cy.m.mail_feedback_thanks());

    await reply(item.id, 'Diolch, byddwn yn edrych arno.', 'in_progress');
    const [, answer] = await mailsTo(address, 2);
    expect(answer!.subject).toBe(cy.m.mail_feedback_reply_subject_feedback({ reference }));
    expect(String(answer!.html)).toMatch(/<html lang="cy" dir="ltr">/);
    // The new status in the sender's words, too.
    expect(answer!.text).toContain(
      cy.m.mail_feedback_status_now({ status: cy.m.page_feedback_status_in_progress() }),
    );
  });

  it('through the API with language ar: right-to-left, the acknowledgement and a status change', async () => {
    const ar = translatorFor('ar');
    const fam = school.families.find((f) => f.email)!;
    // The form's language wins over the family's own.
    await app.db.query(`UPDATE families SET language = 'pl' WHERE id = $1`, [fam.id]);
    const token = await loginFamily(app, school, school.families.indexOf(fam));
    const address = 'arabic.sender@example.org';
    const sent = await app.api('POST', '/api/v1/feedback', {
      token,
      body: {
        kind: 'complaint',
        subject: 'Room',
        body: 'The room was too small.',
        email: address,
        language: 'ar',
      },
    });
    expect(sent.status).toBe(200);
    const reference = sent.body.reference as string;
    const item = await stored(reference);
    expect(item.language).toBe('ar');

    const [ack] = await mailsTo(address, 1);
    expect(ack!.subject).toBe(ar.m.mail_feedback_subject_complaint({ reference }));
    expect(String(ack!.html)).toMatch(/<html lang="ar" dir="rtl">/);

    await reply(item.id, 'We have booked the hall for next time.', 'resolved');
    const [, answer] = await mailsTo(address, 2);
    expect(answer!.subject).toBe(ar.m.mail_feedback_reply_subject_complaint({ reference }));
    expect(String(answer!.html)).toMatch(/<html lang="ar" dir="rtl">/);
    expect(answer!.text).toContain(ar.m.page_feedback_status_resolved());
    // The answerer's own words, in whatever language they wrote, read in their own direction.
    expect(String(answer!.html)).toContain('<blockquote dir="auto"');
  });

  it('a family that does not say gets its own language; the public API without one gets English', async () => {
    const fam = school.families.filter((f) => f.email)[1]!;
    await app.db.query(`UPDATE families SET language = 'ur' WHERE id = $1`, [fam.id]);
    const token = await loginFamily(app, school, school.families.indexOf(fam));
    const sent = await app.api('POST', '/api/v1/feedback', {
      token,
      body: {
        kind: 'feedback',
        subject: 'Times',
        body: 'The times suited us.',
        email: 'urdu.family@example.org',
      },
    });
    expect(sent.status).toBe(200);
    expect((await stored(sent.body.reference)).language).toBe('ur');
    const [ack] = await mailsTo('urdu.family@example.org', 1);
    expect(String(ack!.html)).toMatch(/<html lang="ur" dir="rtl">/);

    const pub = await app.api('POST', '/api/v1/feedback/public', {
      body: {
        kind: 'feedback',
        name: 'Visitor',
        email: 'visitor@example.org',
        subject: 'Hi',
        body: 'Hello.',
      },
      headers: { 'x-forwarded-for': '198.51.100.22' },
    });
    expect(pub.status).toBe(200);
    expect((await stored(pub.body.reference)).language).toBeNull();
    const [english] = await mailsTo('visitor@example.org', 1);
    expect(english!.subject).toBe(
      translatorFor(null).m.mail_feedback_subject_feedback({ reference: pub.body.reference }),
    );
    expect(String(english!.html)).toMatch(/<html lang="en-GB" dir="ltr">/);
  });

  it('a language we do not offer is 400 invalid_input, and nothing is written', async () => {
    const before = await feedbackCount();
    const fam = school.families.find((f) => f.email)!;
    const token = await loginFamily(app, school, school.families.indexOf(fam));
    for (const language of ['fr', 'en-XA', 'CY', '', 7]) {
      const pub = await app.api('POST', '/api/v1/feedback/public', {
        body: { kind: 'feedback', name: 'X', email: 'nobody@example.org', subject: 'S', body: 'B', language },
        headers: { 'x-forwarded-for': '198.51.100.23' },
      });
      expect(pub.status).toBe(400);
      expect(pub.body.error.code).toBe('invalid_input');
      const signedIn = await app.api('POST', '/api/v1/feedback', {
        token,
        body: { kind: 'feedback', subject: 'S', body: 'B', language },
      });
      expect(signedIn.status).toBe(400);
      expect(signedIn.body.error.code).toBe('invalid_input');
    }
    expect(await feedbackCount()).toBe(before);
    expect(smtp.messages.some((m) => JSON.stringify(m.to ?? '').includes('nobody@example.org'))).toBe(false);
  });

  it('the page keeps the language it was shown in: English against the browser, and never the pseudo-locale', async () => {
    // Shown in English by ?lang=en to a browser preferring Polish: the answer stays English.
    const form = await (
      await fetch(`${app.url}/feedback?lang=en`, { headers: { 'accept-language': 'pl' } })
    ).text();
    expect(form).toContain('<input type="hidden" name="lang" value="en">');
    const english = await postPage(
      { lang: 'en', kind: 'feedback', name: 'A', email: 'english.page@example.org', subject: 'S', body: 'B' },
      '198.51.100.24',
      { 'accept-language': 'pl' },
    );
    expect(english.status).toBe(200);
    const enRef = /FB-[A-Z0-9]{8}/.exec(await english.text())![0];
    expect((await stored(enRef)).language).toBe('en');

    const pseudoForm = await (await fetch(`${app.url}/feedback?lang=en-XA`)).text();
    expect(pseudoForm).toContain('<input type="hidden" name="lang" value="en-XA">');
    const pseudo = await postPage(
      {
        lang: 'en-XA',
        kind: 'feedback',
        name: 'A',
        email: 'pseudo.page@example.org',
        subject: 'S',
        body: 'B',
      },
      '198.51.100.25',
    );
    expect(pseudo.status).toBe(200);
    const pseudoRef = /FB-[A-Z0-9]{8}/.exec(await pseudo.text())![0];
    expect((await stored(pseudoRef)).language).toBeNull();
    const [ack] = await mailsTo('pseudo.page@example.org', 1);
    expect(String(ack!.html)).toMatch(/<html lang="en-GB" dir="ltr">/);
  });
  // Last: the sweep runs over the whole database.
  it("the language is the sender's data: in the family's export, gone with erasure and after retention", async () => {
    const [first, second] = school.families.filter((f) => f.email).slice(2, 4);
    const send = async (fam: typeof first, language: string) => {
      const token = await loginFamily(app, school, school.families.indexOf(fam!));
      const res = await app.api('POST', '/api/v1/feedback', {
        token,
        body: { kind: 'feedback', subject: 'S', body: 'B', language },
      });
      expect(res.status).toBe(200);
      return stored(res.body.reference);
    };
    const pl = await send(first, 'pl');
    const exported = await app.api('GET', `/api/v1/admin/families/${first!.id}/export`, { token: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.feedback).toEqual([expect.objectContaining({ language: 'pl' })]);
    expect(
      (await app.api('POST', `/api/v1/admin/families/${first!.id}/erase`, { token: admin })).status,
    ).toBe(200);
    const erased = await app.db.query('SELECT language, email FROM feedback WHERE id = $1', [pl.id]);
    expect(erased.rows[0]).toEqual({ language: null, email: null });

    const ro = await send(second, 'ro');
    await app.db.query(
      `UPDATE feedback SET created_at = now() - interval '400 days', updated_at = now() - interval '400 days' WHERE id = $1`,
      [ro.id],
    );
    await new RetentionService(app.db).sweep(app.config.ARCHIVE_AFTER_DAYS);
    const { rows } = await app.db.query('SELECT language, email FROM feedback WHERE id = $1', [ro.id]);
    expect(rows[0]).toEqual({ language: null, email: null });
  });
});
