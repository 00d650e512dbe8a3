import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import { translatorFor } from '../../server/src/i18n/translator.ts';
import { escapeHtml } from '../../server/src/pages/html-page.ts';
import { loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * A school's own words (school_message_overrides) reach the pages that belong to one school,
 * as they reach its mail: the access-code letters it prints (each in its family's language,
 * the office's English copy in the school's English words), a family's invitation opt-out
 * page, and the privacy page with the school chosen. Set through the admin API, as an admin does.
 */
let app: TestApp;
let school: SeededSchool;
let other: SeededSchool;
let admin: string;
let otherAdmin: string;

const cy = translatorFor('cy').m;
const en = translatorFor('en').m;
// A translation as a page shows it (escaped).
const shown = escapeHtml;

beforeAll(async () => {
  app = await startTestApp();
  school = await seedSmallSchool(app, { code: 'OWNWORDS', name: 'Ysgol Bryn' });
  other = await seedSmallSchool(app, { code: 'OTHERWORDS', name: 'Other School' });
  admin = await loginStaff(app, school.admin.email);
  otherAdmin = await loginStaff(app, other.admin.email);
});
afterAll(async () => {
  await app?.close();
});

async function override(token: string, locale: string, key: string, text: string) {
  const res = await app.api('PUT', `/api/v1/admin/messages/${locale}/${key}`, { token, body: { text } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function setLanguage(token: string, familyId: string, language: string | null) {
  const res = await app.api('PUT', `/api/v1/admin/families/${familyId}/language`, {
    token,
    body: { language },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function page(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}${path}`, { headers });
  expect(res.status).toBe(200);
  return res.text();
}

describe('a school’s own words on its pages', () => {
  it('a Welsh override of a letter_ key is in the Welsh family’s letter, not the English family’s; the office copy has the school’s English words', async () => {
    const welsh = school.families[0]!;
    const english = school.families[1]!;
    await setLanguage(admin, welsh.id, 'cy');
    await setLanguage(admin, english.id, null);
    await override(admin, 'cy', 'letter_heading', 'Eich cod ar gyfer Ysgol Bryn');
    await override(admin, 'en', 'letter_keep_private', 'Keep this code in a safe place, says the office.');
    // Another school's words are not this school's.
    await override(otherAdmin, 'cy', 'letter_heading', 'Geiriau ysgol arall');

    const res = await app.api('POST', '/api/v1/admin/access-codes/letters', {
      token: admin,
      body: { familyIds: [welsh.id, english.id] },
    });
    expect(res.status).toBe(200);
    const sections = (res.body as string).split('<section class="page">').slice(1);
    expect(sections).toHaveLength(2);
    const welshLetter = sections.find((s) => s.includes('<div lang="cy" dir="ltr">'))!;
    const englishLetter = sections.find((s) => !s.includes('lang="cy"'))!;
    expect(welshLetter).toBeDefined();
    expect(englishLetter).toBeDefined();

    const [welshOwn, welshOffice] = welshLetter.split('<hr>');
    expect(welshOwn).toContain('<h1>Eich cod ar gyfer Ysgol Bryn</h1>');
    expect(welshOwn).not.toContain(shown(cy.letter_heading()));
    // The rest of the Welsh letter is still the Welsh translation.
    expect(welshOwn).toContain(shown(cy.mail_code_access_code()));
    expect(welshOwn).not.toContain('Geiriau ysgol arall');
    // The office's English copy: English, with the school's English words, not its Welsh ones.
    expect(welshOffice).toContain('Keep this code in a safe place, says the office.');
    expect(welshOffice).not.toContain('Eich cod ar gyfer Ysgol Bryn');

    expect(englishLetter).not.toContain('Eich cod ar gyfer Ysgol Bryn');
    expect(englishLetter).toContain('Parents&#39; evening bookings: your access code');
    expect(englishLetter).toContain('Keep this code in a safe place, says the office.');
    expect(englishLetter).not.toContain('<hr>');

    // Cleared, the Welsh letter is the translation again.
    expect(
      (await app.api('DELETE', '/api/v1/admin/messages/cy/letter_heading', { token: admin })).status,
    ).toBe(200);
    const again = await app.api('POST', '/api/v1/admin/access-codes/letters', {
      token: admin,
      body: { familyIds: [welsh.id] },
    });
    expect(again.body as string).toContain(`<h1>${shown(cy.letter_heading())}</h1>`);
  });

  it('an override of an optout_ key is on the family’s opt-out page, in the language shown', async () => {
    const family = school.families[2]!;
    await setLanguage(admin, family.id, 'cy');
    await override(admin, 'cy', 'optout_stop', 'Dim mwy o wahoddiadau, diolch');
    await override(admin, 'en', 'optout_note', 'Your booking mail still comes, as the school promised.');
    await override(admin, 'cy', 'optout_heading_done', 'Dyna ni: dim gwahoddiadau');
    const token = (
      await app.db.query<{ t: string }>('SELECT mail_opt_out_token AS t FROM families WHERE id = $1', [
        family.id,
      ])
    ).rows[0]!.t;

    // The family's own language, with the school's Welsh words.
    const own = await page(`/mail/invitations/opt-out/${token}`);
    expect(own).toMatch(/<html lang="cy" dir="ltr">/);
    expect(own).toContain('>Dim mwy o wahoddiadau, diolch</button>');
    expect(own).not.toContain(shown(cy.optout_stop()));
    expect(own).toContain(shown(cy.optout_note()));

    // English asked for by the link: the school's English words, not its Welsh ones.
    const english = await page(`/mail/invitations/opt-out/${token}?lang=en`);
    expect(english).toContain('Your booking mail still comes, as the school promised.');
    expect(english).not.toContain(shown(en.optout_note()));
    expect(english).toContain(`>${shown(en.optout_stop())}</button>`);

    // The answer to the button is in the school's words too.
    const res = await fetch(`${app.url}/mail/invitations/opt-out/${token}`, { method: 'POST' });
    expect(res.status).toBe(200);
    const done = await res.text();
    expect(done).toContain('<h1>Dyna ni: dim gwahoddiadau</h1>');
    expect(done).not.toContain(shown(cy.optout_heading_done()));

    // Another school's family does not see them.
    const stranger = other.families[0]!;
    await setLanguage(otherAdmin, stranger.id, 'cy');
    const strangerToken = (
      await app.db.query<{ t: string }>('SELECT mail_opt_out_token AS t FROM families WHERE id = $1', [
        stranger.id,
      ])
    ).rows[0]!.t;
    const theirs = await page(`/mail/invitations/opt-out/${strangerToken}`);
    expect(theirs).toContain(`>${shown(cy.optout_stop())}</button>`);
    expect(theirs).not.toContain('Dim mwy o wahoddiadau');
  });

  it('the privacy page with the school chosen is in that school’s words; without a school, in nobody’s', async () => {
    await override(admin, 'cy', 'privacy_title', 'Eich data yn Ysgol Bryn');
    const chosen = await page(`/privacy?school=${school.schoolCode}&lang=cy`);
    expect(chosen).toContain('<title>Eich data yn Ysgol Bryn</title>');
    expect(chosen).not.toContain(shown(cy.privacy_title()));
    const none = await page('/privacy?lang=cy');
    expect(none).toContain(`<title>${shown(cy.privacy_title())}</title>`);
    expect(none).not.toContain('Eich data yn Ysgol Bryn');
    const another = await page(`/privacy?school=${other.schoolCode}&lang=cy`);
    expect(another).toContain(`<title>${shown(cy.privacy_title())}</title>`);
    // English readers of the same school see English: the override was for Welsh.
    const english = await page(`/privacy?school=${school.schoolCode}`);
    expect(english).toContain(`<title>${shown(en.privacy_title())}</title>`);
  });
});
