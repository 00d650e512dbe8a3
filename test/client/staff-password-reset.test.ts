import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import StaffLogin from '../../client/src/shared/StaffLogin.svelte';
import { adminApi } from './fixtures/admin-api.ts';

describe('staff sign-in: forgotten password', () => {
  it('asks for the address first, then requests a link and says so without revealing whether the account exists', async () => {
    const { api, calls } = adminApi({
      'POST /auth/password/reset-request': () => ({ ok: true, data: { accepted: true } }),
    });
    render(StaffLogin, { api, onsignedin: () => undefined });
    const forgot = screen.getByRole('button', { name: /Forgot your password/ });
    await fireEvent.click(forgot);
    expect(screen.getByRole('alert').textContent).toContain('Type your e-mail address');
    expect(calls).toHaveLength(0);

    await fireEvent.input(screen.getByLabelText('E-mail address'), {
      target: { value: ' head@school.example ' },
    });
    await fireEvent.click(forgot);
    expect((await screen.findByTestId('reset-sent')).textContent).toMatch(
      /^If head@school\.example has an account here/,
    );
    expect(calls).toEqual([
      { method: 'POST', path: '/auth/password/reset-request', body: { email: 'head@school.example' } },
    ]);
  });
});
