import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FamilyRights from '../../client/src/admin/school/FamilyRights.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';

const familyId = '22222222-2222-4222-8222-222222222222';

describe('family data rights', () => {
  it('erases only after the surname is typed to confirm', async () => {
    const { api, calls } = adminApi({
      'GET /admin/families?q=Hil': () => ({
        ok: true,
        data: { families: [{ id: familyId, surname: 'Hill', students: [] }] },
      }),
      [`POST /admin/families/${familyId}/erase`]: () => ({
        ok: true,
        data: { familyId, bookingsKept: 3, studentsAnonymised: 2 },
      }),
    });
    render(FamilyRights, { api, announcer: new Announcer() });
    await fireEvent.input(screen.getByLabelText('Family surname'), { target: { value: 'Hil' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find' }));
    await fireEvent.click(await screen.findByRole('button', { name: /^Hill/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Erase this family…' }));

    const erase = screen.getByRole('button', { name: 'Erase for good' });
    await fireEvent.input(screen.getByLabelText(/Type the surname/), { target: { value: 'Hall' } });
    await fireEvent.click(erase);
    expect(screen.getByRole('alert').textContent).toContain('Type the surname “Hill”');
    expect(calls.some((c) => c.path.endsWith('/erase'))).toBe(false);

    await fireEvent.input(screen.getByLabelText(/Type the surname/), { target: { value: 'hill' } });
    await fireEvent.click(erase);
    expect((await screen.findByRole('status')).textContent).toBe(
      'The Hill family was erased: 2 children anonymised, 3 bookings kept as anonymous counts.',
    );
    expect(calls.filter((c) => c.path.endsWith('/erase'))).toHaveLength(1);
  });
});
