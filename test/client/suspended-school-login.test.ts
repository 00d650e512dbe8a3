import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FamilyLogin from '../../client/src/shared/FamilyLogin.svelte';
import StaffLogin from '../../client/src/shared/StaffLogin.svelte';
import { scriptedApi } from './fixtures/grid-data.ts';

// What the server answers a right sign-in to a school the operator suspended.
const suspended = {
  ok: false as const,
  error: {
    code: 'forbidden' as const,
    message:
      'This school’s Confer service is suspended, so nobody can sign in for now. Please contact the school.',
  },
};

describe('signing in to a suspended school', () => {
  it('a family is told the school is suspended, not that their code is wrong', async () => {
    const { api } = scriptedApi({ 'POST /auth/family/login': () => suspended });
    render(FamilyLogin, { api, onsignedin: () => {} });
    await fireEvent.input(screen.getByLabelText('School code'), { target: { value: 'HILL' } });
    await fireEvent.input(screen.getByLabelText('Your surname'), { target: { value: 'Smith' } });
    await fireEvent.input(screen.getByLabelText('Family access code'), { target: { value: 'ABCD-1234' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('service is suspended');
  });

  it('staff are told the same', async () => {
    const { api } = scriptedApi({ 'POST /auth/staff/login': () => suspended });
    render(StaffLogin, { api, onsignedin: () => {} });
    await fireEvent.input(screen.getByLabelText(/e-mail address/i), {
      target: { value: 'a@school.example' },
    });
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'a long passphrase' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('service is suspended');
  });
});
