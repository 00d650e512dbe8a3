import express, { type Router } from 'express';
import { recordChange } from '../features/records/audit-log.ts';
import { type Db, inTransaction } from '../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

// The token of families.mail_opt_out_token (migration 028): 24 random bytes in hex.
const TOKEN = /^[0-9a-f]{48}$/;

interface FamilyMailState {
  familyId: string;
  schoolId: string;
  schoolName: string;
  optedOut: boolean;
}

const SELECT = `f.id AS family_id, f.school_id, s.name AS school_name, f.invitation_opt_out_at IS NOT NULL AS opted_out`;

function toState(r: Record<string, unknown> | undefined): FamilyMailState | null {
  return r
    ? {
        familyId: r.family_id as string,
        schoolId: r.school_id as string,
        schoolName: r.school_name as string,
        optedOut: r.opted_out as boolean,
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

function page(token: string, state: FamilyMailState, heading: string): string {
  const school = escapeHtml(state.schoolName);
  const [said, action, button] = state.optedOut
    ? [`Teachers’ invitations to book are not sent to you.`, 'opt-in', 'Receive them again']
    : [
        `Teachers at ${school} may invite you to book when you have not booked them yet.`,
        'opt-out',
        'Stop these invitations',
      ];
  return htmlDocument(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p data-opted-out="${state.optedOut}">${said}</p>
<form method="post" action="/mail/invitations/${action}/${token}"><button type="submit">${button}</button></form>
<p class="note">Mail about your own appointments (confirmations, changes, reminders) is not affected.</p>`,
  );
}

const notFound = htmlDocument(
  'Link not valid',
  `<h1>This link is not valid</h1>
<p>It may have been copied incompletely. The school can stop invitations for you.</p>`,
);

/**
 * The link in each teacher's invitation to book (and its List-Unsubscribe header). A
 * GET only shows a button (mail scanners follow links); the POST — the button's, or a
 * mail client's one-click unsubscribe (RFC 8058) — opts out and offers the way back.
 */
export function invitationOptOutPages(db: Db): Router {
  const router = express.Router();
  const answer = async (
    res: express.Response,
    token: string,
    optedOut: boolean | null,
    heading: (s: FamilyMailState) => string,
  ) => {
    res.set('Cache-Control', 'no-store').type('html');
    const state = !TOKEN.test(token)
      ? null
      : optedOut === null
        ? await read(db, token)
        : await change(db, token, optedOut);
    if (!state) return void res.status(404).send(notFound);
    res.send(page(token, state, heading(state)));
  };
  router.get('/mail/invitations/opt-out/:token', (req, res) =>
    answer(res, req.params.token, null, (s) =>
      s.optedOut ? 'You have stopped invitations to book' : 'Stop invitations to book?',
    ),
  );
  router.post('/mail/invitations/opt-out/:token', (req, res) =>
    answer(res, req.params.token, true, () => 'You will no longer receive invitations to book'),
  );
  router.post('/mail/invitations/opt-in/:token', (req, res) =>
    answer(res, req.params.token, false, () => 'You will receive invitations to book again'),
  );
  return router;
}
