import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { staffLoginErrorText } from '../../client/src/lib/error-text.ts';
import StaffLogin from '../../client/src/shared/StaffLogin.svelte';
import { ERROR_STATUS, type ErrorCode } from '../../protocol/errors.ts';
import { adminApi } from './fixtures/admin-api.ts';

// The server's English, which a staff screen must never show: its wording is not the contract.
const SERVER_TEXT = 'The server says something in its own words.';
const refusal = (code: ErrorCode, retryAfter?: number) => ({
  code,
  message: SERVER_TEXT,
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

describe('staff sign-in and reset-link refusals', () => {
  it('say each code the endpoints can return in the staff’s words', () => {
    expect(staffLoginErrorText(refusal('unauthenticated'), 'sign_in')).toBe(
      'That e-mail address and password do not match an account at this school.',
    );
    expect(staffLoginErrorText(refusal('invalid_input'), 'sign_in')).toBe(
      'Please fill in your e-mail address and password.',
    );
    expect(staffLoginErrorText(refusal('rate_limited', 290), 'sign_in')).toBe(
      'Too many sign-in attempts. Please wait 5 minutes and try again.',
    );
    expect(staffLoginErrorText(refusal('forbidden'), 'sign_in')).toContain('service is suspended');
    expect(staffLoginErrorText(refusal('unavailable'), 'sign_in')).toBe(
      'Confer is busy or cannot be reached. Please try again in a moment.',
    );
    expect(staffLoginErrorText(refusal('rate_limited', 40), 'reset_link')).toBe(
      'A link has been asked for too often. Please wait 40 seconds before asking again.',
    );
    expect(staffLoginErrorText(refusal('invalid_input'), 'reset_link')).toBe(
      'That does not look like an e-mail address.',
    );
    expect(staffLoginErrorText(refusal('unavailable'), 'reset_link')).toBe(
      'Confer is busy or cannot be reached. Please try again in a moment.',
    );
  });

  it('any other code gets the general message, never the server’s text', () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      for (const action of ['sign_in', 'reset_link'] as const) {
        const text = staffLoginErrorText(refusal(code), action);
        expect(text, `${code} ${action}`).not.toContain(SERVER_TEXT);
        expect(text.length, `${code} ${action}`).toBeGreaterThan(0);
      }
    }
    expect(staffLoginErrorText(refusal('internal'), 'sign_in')).toBe(
      'Signing in did not work. Please try again in a moment.',
    );
    expect(staffLoginErrorText(refusal('internal'), 'reset_link')).toBe(
      'The link could not be asked for. Please try again in a moment.',
    );
    // A sign-in refusal that cannot come from the reset endpoint is not read as one there.
    expect(staffLoginErrorText(refusal('unauthenticated'), 'reset_link')).toBe(
      'The link could not be asked for. Please try again in a moment.',
    );
  });

  it('the sign-in screen shows a refused reset-link request in words, not the server’s text', async () => {
    const { api } = adminApi({
      'POST /auth/password/reset-request': () => ({ ok: false, error: refusal('rate_limited', 1800) }),
    });
    render(StaffLogin, { api, onsignedin: () => undefined });
    await fireEvent.input(screen.getByLabelText('E-mail address'), {
      target: { value: 'head@school.example' },
    });
    await fireEvent.click(screen.getByRole('button', { name: /Forgot your password/ }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'A link has been asked for too often. Please wait 30 minutes before asking again.',
    );
    expect(screen.queryByTestId('reset-sent')).toBeNull();
  });
});
