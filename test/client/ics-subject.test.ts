import { describe, expect, it } from 'vitest';
import { itineraryIcs } from '../../client/src/lib/ics.ts';
import type { BookingView } from '../../protocol/schemas.ts';

const base: BookingView = {
  id: '00000000-0000-4000-8000-0000000000a1',
  eventId: '00000000-0000-4000-8000-0000000000e1',
  slotId: '00000000-0000-4000-8000-0000000000b1',
  teacherId: '00000000-0000-4000-8000-0000000000c1',
  teacherName: 'Mr Hill',
  studentId: '00000000-0000-4000-8000-0000000000d1',
  studentName: 'Ava',
  familyId: '00000000-0000-4000-8000-0000000000f1',
  status: 'confirmed',
  startsAt: '2026-11-30T16:05:00.000Z',
  endsAt: '2026-11-30T16:10:00.000Z',
  room: 'R1',
  expiresAt: null,
};

describe('calendar file made in the browser (issue 15: subjects)', () => {
  it('tells two teachers of the same name apart by subject', () => {
    const maths = { ...base, subject: 'Maths' };
    const art = { ...base, id: '00000000-0000-4000-8000-0000000000a2', subject: 'Art' };
    const ics = itineraryIcs(
      [maths, art, { ...base, id: '00000000-0000-4000-8000-0000000000a3' }],
      'Evening',
      'Riverside',
    );
    expect(ics).toContain('SUMMARY:Evening: Ava with Mr Hill (Maths)\r\n');
    expect(ics).toContain('SUMMARY:Evening: Ava with Mr Hill (Art)\r\n');
    expect(ics).toContain('DESCRIPTION:Appointment with Mr Hill (Maths) about Ava.\r\n');
    // Without a subject there are no empty brackets.
    expect(ics).toContain('SUMMARY:Evening: Ava with Mr Hill\r\n');
  });
});
