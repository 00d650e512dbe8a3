import express, { type Router } from 'express';
import type { StaffAccountsService } from '../features/staff/staff-accounts.service.ts';
import { DomainError } from '../refusals/domain-error.ts';
import { escapeHtml, htmlDocument } from './html-page.ts';

function form(token: string, minLength: number, error?: string): string {
  return htmlDocument(
    'Choose your Confer password',
    `<h1>Choose your password</h1>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/account/password">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">New password (at least ${minLength} characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="${minLength}" required>
<label for="confirm">The same password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="${minLength}" required>
<button type="submit">Set password</button>
</form>
<p class="note">The link in your e-mail works once. Very common passwords are refused.</p>`,
  );
}

/**
 * The page an invitation or reset link opens: a plain HTML form (no script), so it
 * works before the client app has a screen for it and with scripts turned off.
 */
export function passwordPages(staff: StaffAccountsService, minLength: number): Router {
  const router = express.Router();
  router.get('/account/password', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 200) : '';
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(form(token, minLength));
  });
  router.post(
    '/account/password',
    express.urlencoded({ extended: false, limit: '4kb' }),
    async (req, res) => {
      const token = String(req.body?.token ?? '').slice(0, 200);
      const password = String(req.body?.password ?? '');
      res.setHeader('Cache-Control', 'no-store');
      if (password !== String(req.body?.confirm ?? '')) {
        res
          .status(400)
          .type('html')
          .send(form(token, minLength, 'The two passwords are not the same.'));
        return;
      }
      try {
        const { email } = await staff.setPassword(token, password);
        res
          .type('html')
          .send(
            htmlDocument(
              'Password set',
              `<h1>Your password is set</h1><p>You can now sign in to Confer as ${escapeHtml(email)}.</p><p><a href="/">Go to sign in</a></p>`,
            ),
          );
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        res
          .status(err.code === 'not_found' ? 404 : 400)
          .type('html')
          .send(form(token, minLength, err.message));
      }
    },
  );
  return router;
}
