import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../client/src/lib/api.ts';
import { bookingErrorText, loginErrorText } from '../../client/src/lib/error-text.ts';
import FamilyLogin from '../../client/src/shared/FamilyLogin.svelte';
import type { Ack } from '../../protocol/errors.ts';
import { scriptedApi } from './fixtures/grid-data.ts';

async function submitLogin(answer: Ack<unknown>) {
  const { api, calls } = scriptedApi({ 'POST /auth/family/login': () => answer });
  render(FamilyLogin, { api, onsignedin: () => {} });
  await fireEvent.input(screen.getByLabelText('School code'), { target: { value: 'demo ' } });
  await fireEvent.input(screen.getByLabelText('Your surname'), { target: { value: ' Smith' } });
  await fireEvent.input(screen.getByLabelText('Family access code'), { target: { value: 'ABCD-1234' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByRole('alert');
  return calls;
}

describe('error messages', () => {
  it('a wrong code says what to check, and the request was tidied', async () => {
    const calls = await submitLogin({
      ok: false,
      error: { code: 'unauthenticated', message: 'Please sign in.' },
    });
    expect(calls[0]!.body).toEqual({ schoolCode: 'DEMO', surname: 'Smith', accessCode: 'ABCD-1234' });
    expect(screen.getByRole('alert').textContent).toContain(
      'We could not find a family with that school code, surname and access code.',
    );
  });

  it('rate limiting says how long to wait', async () => {
    await submitLogin({
      ok: false,
      error: { code: 'rate_limited', message: 'Too many attempts.', retryAfter: 290 },
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'Too many sign-in attempts. Please wait 5 minutes and try again.',
    );
    expect(loginErrorText({ code: 'rate_limited', message: '', retryAfter: 40 }, 'family')).toContain(
      'wait 40 seconds',
    );
  });

  it('booking refusals name the slot in words', () => {
    const what = '18:05 with Mr Smith';
    expect(bookingErrorText({ code: 'slot_taken', message: '' }, what)).toBe(
      'Sorry, 18:05 with Mr Smith has just been taken by someone else. Please choose another time.',
    );
    expect(bookingErrorText({ code: 'gap', message: '' }, what)).toContain('too close');
    expect(bookingErrorText({ code: 'hold_expired', message: '' }, what)).toContain('ran out');
    expect(bookingErrorText({ code: 'unavailable', message: '' }, what)).toContain('busy');
  });

  it('a write lost in transit is retried with the same Idempotency-Key, then answers', async () => {
    const seen: (string | null)[] = [];
    let n = 0;
    const api = createApi({
      token: () => 'tok',
      retryDelayMs: 1,
      fetch: async (_url, init) => {
        const headers = init?.headers as Record<string, string>;
        seen.push(headers['idempotency-key'] ?? null);
        expect(headers.authorization).toBe('Bearer tok');
        if (n++ === 0) throw new TypeError('network down');
        if (n === 2)
          return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'busy' } }), {
            status: 503,
          });
        return new Response(JSON.stringify({ id: 'b1' }), { status: 200 });
      },
    });
    const res = await api.write('POST', '/holds', { slotId: 's' });
    expect(res).toEqual({ ok: true, data: { id: 'b1' } });
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
    // A refusal is an answer, not a reason to retry.
    const refused = createApi({
      token: () => 'tok',
      retryDelayMs: 1,
      fetch: async () =>
        new Response(JSON.stringify({ error: { code: 'slot_taken', message: 'x' } }), { status: 409 }),
    });
    expect(await refused.write('POST', '/holds', {})).toEqual({
      ok: false,
      error: { code: 'slot_taken', message: 'x' },
    });
  });
});
