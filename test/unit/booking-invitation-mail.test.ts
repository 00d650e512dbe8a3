import { describe, expect, it } from 'vitest';
import { bookingInvitationMail } from '../../server/src/features/mail/templates/booking-invitation-mail.ts';

const base = {
  surname: 'Okafor',
  schoolName: 'Hillside School',
  eventName: 'Year 9 evening',
  timeZone: 'Europe/London',
  teacherName: 'Ms Khan',
  childNames: ['Ada', 'Tom'],
  eveningStartsAt: new Date('2026-12-03T16:00:00Z'),
  freeSlots: 7,
  bookingClosesAt: new Date('2026-12-02T20:00:00Z'),
  bookingOpensAt: null,
  signInUrl: 'https://confer.example',
  optOutLink: `https://confer.example/mail/invitations/opt-out/${'a'.repeat(48)}`,
};

describe('a teacher’s invitation to book', () => {
  it('names the children, the evening in the school’s time, the free times, how to stop such mail', () => {
    const m = bookingInvitationMail(base);
    expect(m.subject).toBe('An invitation to book: Ms Khan, Year 9 evening');
    expect(m.text).toContain('Dear Okafor family,');
    expect(m.text).toContain('on Thursday 3 December 2026 to talk about Ada and Tom');
    expect(m.text).toContain('there are still 7 times free');
    expect(m.text).toContain('until Wednesday 2 December 2026 at 20:00.');
    expect(m.text).toContain('Ada and Tom are in Ms Khan’s class at Hillside School');
    expect(m.text).toContain(base.optOutLink);
    expect(m.headers).toEqual({
      'List-Unsubscribe': `<${base.optOutLink}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(m.html).not.toMatch(/<img|src=|url\(/i);
  });

  it('says from when booking opens when it has not yet, and escapes names in HTML', () => {
    const m = bookingInvitationMail({
      ...base,
      surname: 'O<b>',
      childNames: ['Ada'],
      freeSlots: 1,
      bookingOpensAt: new Date('2026-12-01T18:30:00Z'),
    });
    expect(m.text).toContain(
      'from Tuesday 1 December 2026 at 18:30 until Wednesday 2 December 2026 at 20:00.',
    );
    expect(m.text).toContain('there is still 1 time free');
    expect(m.text).toContain('Ada is in Ms Khan’s class');
    expect(m.html).toContain('Dear O&lt;b&gt; family');
    expect(m.html).not.toContain('O<b>');
  });
});
