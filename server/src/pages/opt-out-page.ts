import express, { type Router } from 'express';
import { type SystemMailState, setSystemMailOptOut, systemMailState } from '../features/mail/opt-out.ts';
import { recordChange } from '../features/records/audit-log.ts';
import { type Db, inTransaction } from '../infra/db.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';
import { invitationOptOutPages } from './invitation-opt-out-page.ts';

// The token of staff.mail_opt_out_token: 24 random bytes in hex.
const TOKEN = /^[0-9a-f]{48}$/;

function page(token: string, state: SystemMailState, heading: string): string {
  const to = escapeHtml(state.email);
  const [said, action, button] = state.optedOut
    ? [`Confer service updates are not sent to ${to}.`, 'opt-in', 'Receive them again']
    : [`Confer service updates from the operator are sent to ${to}.`, 'opt-out', 'Stop these updates'];
  return htmlDocument(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p data-opted-out="${state.optedOut}">${said}</p>
<form method="post" action="/mail/${action}/${token}"><button type="submit">${button}</button></form>
<p class="note">An administrator can also change this after signing in, under Mail preferences. Mail about bookings and accounts is not affected.</p>`,
  );
}

/**
 * A change made on this page is recorded like the API's (optOutOfSystemMail /
 * optInToSystemMail), in the same transaction: the page is outside the API's edge,
 * which records the API's own changes.
 */
function changeAndRecord(db: Db, token: string, optedOut: boolean): Promise<SystemMailState | null> {
  return inTransaction(db, async (c) => {
    const state = await setSystemMailOptOut(c, { token }, optedOut);
    if (state)
      await recordChange(c, {
        schoolId: state.schoolId,
        actorKind: 'public',
        actorId: null,
        action: optedOut ? 'optOutOfSystemMail' : 'optInToSystemMail',
        target: { staffId: state.staffId },
        detail: { request: { page: '/mail/opt-out' }, after: { optedOut: state.optedOut } },
      });
    return state;
  });
}

const notFound = htmlDocument(
  'Link not valid',
  `<h1>This link is not valid</h1>
<p>It may have been copied incompletely. An administrator can change which mail they receive after signing in, under Mail preferences.</p>`,
);

/**
 * The link in each system-update mail (and its List-Unsubscribe header). A GET only
 * shows a button: mail scanners and link previews follow links, and must not opt
 * anyone out. The POST opts out — the button's, or a mail client's one-click
 * unsubscribe (RFC 8058 sends `List-Unsubscribe=One-Click` to this same URL) — and
 * offers the way back in.
 */
export function optOutPages(db: Db): Router {
  const router = express.Router();
  const answer = async (
    res: express.Response,
    token: string,
    change: boolean | null,
    heading: (s: SystemMailState) => string,
  ) => {
    res.set('Cache-Control', 'no-store').type('html');
    const state = !TOKEN.test(token)
      ? null
      : change === null
        ? await systemMailState(db, { token })
        : await changeAndRecord(db, token, change);
    if (!state) return void res.status(404).send(notFound);
    res.send(page(token, state, heading(state)));
  };
  router.get('/mail/opt-out/:token', (req, res) =>
    answer(res, req.params.token, null, (s) =>
      s.optedOut ? 'You have opted out of Confer service updates' : 'Stop Confer service updates?',
    ),
  );
  router.post('/mail/opt-out/:token', (req, res) =>
    answer(res, req.params.token, true, () => 'You will no longer receive Confer service updates'),
  );
  router.post('/mail/opt-in/:token', (req, res) =>
    answer(res, req.params.token, false, () => 'You will receive Confer service updates again'),
  );
  // A family's own link, in each teacher's invitation to book.
  router.use(invitationOptOutPages(db));
  return router;
}
