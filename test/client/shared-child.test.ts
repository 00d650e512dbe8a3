import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import SharedChildMode from '../../client/src/admin/SharedChildMode.svelte';
import SharedChild from '../../client/src/admin/school/SharedChild.svelte';
import { Announcer } from '../../client/src/lib/announcer.svelte.ts';
import { adminApi } from './fixtures/admin-api.ts';
import { event } from './fixtures/grid-data.ts';

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

describe('separated parents in the admin screens', () => {
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

  it('the event settings choose joint or separate for the event, and say so when the server refuses a change', async () => {
    let refuse = false;
    const { api, calls } = adminApi({
      [`PUT /admin/events/${event.id}/shared-child-mode`]: (body) =>
        refuse
          ? {
              ok: false,
              error: {
                code: 'invalid_input',
                message: 'Some of the input is not valid.',
                issues: [
                  {
                    path: 'mode',
                    message: 'Choose this before any appointment is held or booked at this event.',
                  },
                ],
              },
            }
          : { ok: true, data: { eventId: event.id, mode: (body as { mode: 'joint' | 'separate' }).mode } },
    });
    const saved: string[] = [];
    const announcer = new Announcer();
    render(SharedChildMode, { api, announcer, event, onsaved: (m: string) => saved.push(m) });
    const joint = screen.getByRole('radio', { name: /^Joint: one appointment per child and teacher/ });
    const separate = screen.getByRole('radio', { name: /^Separate: each family books its own/ });
    const button = screen.getByRole('button', { name: 'Save this choice' });
    // The event's current choice is shown, and saving it again is not offered.
    expect((joint as HTMLInputElement).checked).toBe(true);
    expect((button as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.click(separate);
    expect((button as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(button);
    expect((await screen.findByRole('status')).textContent).toBe(
      'Saved: children of separated parents are booked separately.',
    );
    expect(announcer.polite).toBe('Saved: children of separated parents are booked separately.');
    expect(saved).toEqual(['separate']);
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['PUT', `/admin/events/${event.id}/shared-child-mode`, { mode: 'separate' }],
    ]);

    refuse = true;
    await fireEvent.click(joint);
    await fireEvent.click(button);
    await expect
      .poll(() => screen.getByRole('status').textContent)
      .toBe('Choose this before any appointment is held or booked at this event.');
    // Refused: the form shows the choice the event still has.
    expect((separate as HTMLInputElement).checked).toBe(true);
    expect(saved).toEqual(['separate']);
  });
});
