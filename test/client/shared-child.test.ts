import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SharedChild from '../../client/src/admin/school/SharedChild.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';

const hill = '22222222-2222-4222-8222-222222222222';
const stone = '33333333-3333-4333-8333-333333333333';
const ava = '44444444-4444-4444-8444-444444444444';
const student = {
  id: ava,
  firstName: 'Ava',
  surname: 'Hill',
  yearGroup: 'Y9',
  className: '9B',
  teacherIds: [],
};

describe('separated parents in the admin screens (issue 15)', () => {
  it('links a child of one family to a second family', async () => {
    const { api, calls } = adminApi({
      'GET /admin/families?q=Hil': () => ({
        ok: true,
        data: { families: [{ id: hill, surname: 'Hill', students: [student] }] },
      }),
      'GET /admin/families?q=Sto': () => ({
        ok: true,
        data: { families: [{ id: stone, surname: 'Stone', students: [] }] },
      }),
      [`POST /admin/families/${stone}/students`]: () => ({
        ok: true,
        data: { familyId: stone, studentId: ava, families: 2 },
      }),
    });
    render(SharedChild, { api, announcer: new Announcer() });
    await fireEvent.input(screen.getByLabelText('Family surname'), { target: { value: 'Hil' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Find' }));
    await fireEvent.click(await screen.findByRole('button', { name: /^Hill/ }));
    const second = screen.getAllByLabelText('Family surname')[1]!;
    await fireEvent.input(second, { target: { value: 'Sto' } });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Find' })[1]!);
    await fireEvent.click(await screen.findByRole('button', { name: /^Stone/ }));
    await fireEvent.click(screen.getByRole('button', { name: 'Link to the Stone family' }));
    expect((await screen.findByRole('status')).textContent).toBe(
      'Ava now belongs to the Hill and Stone families (2 families).',
    );
    const posted = calls.filter((c) => c.path === `/admin/families/${stone}/students`);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toEqual({ studentId: ava });
  });
});
