import express, { type Router } from 'express';
import { isLocale } from '../../../protocol/locales.ts';
import { recordChange } from '../features/records/audit-log.ts';
import { translatorForLanguage } from '../i18n/family-translator.ts';
import { type Translator, translatorFor } from '../i18n/translator.ts';
import { type Db, inTransaction } from '../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import { pageLanguage, withLanguage } from './page-language.ts';

// The token of families.mail_opt_out_token (migration 028): 24 random bytes in hex.
const TOKEN = /^[0-9a-f]{48}$/;

interface FamilyMailState {
  familyId: string;
  schoolId: string;
  schoolName: string;
  optedOut: boolean;
  language: string | null;
}

const SELECT = `f.id AS family_id, f.school_id, s.name AS school_name, f.invitation_opt_out_at IS NOT NULL AS opted_out, f.language`;

function toState(r: Record<string, unknown> | undefined): FamilyMailState | null {
  return r
    ? {
        familyId: r.family_id as string,
        schoolId: r.school_id as string,
        schoolName: r.school_name as string,
        optedOut: r.opted_out as boolean,
        language: r.language as string | null,
      }
    : null;
}

async function read(db: Db, token: string): Promise<FamilyMailState | null> {
  const { rows } = await db.query(
    `SELECT ${SELECT} FROM families f JOIN schools s ON s.id = f.school_id
      WHERE f.mail_opt_out_token = $1 AND f.erased_at IS NULL`,
    [token],
  );
  return toState(rows[0]);
}

/** Changes and records in one transaction, like the staff page (opt-out-page.ts): the page is outside the API's edge. */
function change(db: Db, token: string, optedOut: boolean): Promise<FamilyMailState | null> {
  return inTransaction(db, async (c) => {
    const { rows } = await c.query(
      `UPDATE families f SET invitation_opt_out_at = CASE WHEN $2 THEN coalesce(invitation_opt_out_at, now()) END
         FROM schools s
        WHERE s.id = f.school_id AND f.mail_opt_out_token = $1 AND f.erased_at IS NULL
        RETURNING ${SELECT}`,
      [token, optedOut],
    );
    const state = toState(rows[0]);
    if (state)
      await recordChange(c, {
        schoolId: state.schoolId,
        actorKind: 'public',
        actorId: null,
        action: optedOut ? 'optOutOfInvitations' : 'optInToInvitations',
        target: { familyId: state.familyId },
        detail: { request: { page: '/mail/invitations/opt-out' }, after: { optedOut: state.optedOut } },
      });
    return state;
  });
}

type Heading = 'stopped' | 'ask' | 'done' | 'again';

function headingText(t: Translator, h: Heading): string {
  if (h === 'stopped') return t.m.optout_heading_stopped();
  if (h === 'ask') return t.m.optout_heading_ask();
  if (h === 'done') return t.m.optout_heading_done();
  return t.m.optout_heading_again();
}

function page(t: Translator, token: string, state: FamilyMailState, heading: Heading): string {
  const [said, action, button] = state.optedOut
    ? [t.m.optout_not_sent(), 'opt-in', t.m.optout_receive_again()]
    : [t.m.optout_may_invite({ school: state.schoolName }), 'opt-out', t.m.optout_stop()];
  const title = headingText(t, heading);
  return htmlDocument(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p data-opted-out="${state.optedOut}">${escapeHtml(said)}</p>
<form method="post" action="${withLanguage(`/mail/invitations/${action}/${token}`, t)}"><button type="submit">${escapeHtml(button)}</button></form>
<p class="note">${escapeHtml(t.m.optout_note())}</p>`,
    '',
    t,
  );
}

function notFound(t: Translator): string {
  return htmlDocument(
    t.m.optout_invalid_title(),
    `<h1>${escapeHtml(t.m.optout_invalid_heading())}</h1>
<p>${escapeHtml(t.m.optout_invalid())}</p>`,
    '',
    t,
  );
}

/**
 * The page's language: one the link or form asks for, else the family's own, else the
 * browser's (page-language.ts); with the family's school's own words for it. A token that
 * names no family shows no school's words.
 */
async function readerTranslator(
  db: Db,
  req: express.Request,
  state: FamilyMailState | null,
): Promise<Translator> {
  const asked = req.query.lang;
  const language = isLocale(asked) || !isLocale(state?.language) ? pageLanguage(req) : state.language;
  return state ? translatorForLanguage(db, state.schoolId, language) : translatorFor(language);
}

/**
 * The link in each teacher's invitation to book (and its List-Unsubscribe header). A
 * GET only shows a button (mail scanners follow links); the POST — the button's, or a
 * mail client's one-click unsubscribe (RFC 8058) — opts out and offers the way back.
 */
export function invitationOptOutPages(db: Db): Router {
  const router = express.Router();
  const answer = async (
    req: express.Request,
    res: express.Response,
    optedOut: boolean | null,
    heading: (s: FamilyMailState) => Heading,
  ) => {
    const token = String(req.params.token ?? '');
    res.set('Cache-Control', 'no-store').type('html');
    const state = !TOKEN.test(token)
      ? null
      : optedOut === null
        ? await read(db, token)
        : await change(db, token, optedOut);
    const t = await readerTranslator(db, req, state);
    if (!state) return void res.status(404).send(notFound(t));
    res.send(page(t, token, state, heading(state)));
  };
  router.get('/mail/invitations/opt-out/:token', (req, res) =>
    answer(req, res, null, (s) => (s.optedOut ? 'stopped' : 'ask')),
  );
  router.post('/mail/invitations/opt-out/:token', (req, res) => answer(req, res, true, () => 'done'));
  router.post('/mail/invitations/opt-in/:token', (req, res) => answer(req, res, false, () => 'again'));
  return router;
}
