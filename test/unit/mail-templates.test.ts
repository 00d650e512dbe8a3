import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { emailKey } from '../../server/src/features/mail/email-keys.ts';
import type { Appointment, FamilyContext, StaffContext } from '../../server/src/features/mail/mail-data.ts';
import {
  cancellationMail,
  confirmationMail,
  type Sending,
} from '../../server/src/features/mail/templates/booking-mails.ts';
import { systemUpdateMail } from '../../server/src/features/mail/templates/system-update-mail.ts';
import { teacherScheduleMail } from '../../server/src/features/mail/templates/teacher-schedule-mail.ts';

const ZONE = 'Europe/London';
const ctx: FamilyContext = {
  familyId: '00000000-0000-4000-8000-000000000001',
  email: 'p@parents.test',
  surname: "O'Brien <script>",
  eventId: '00000000-0000-4000-8000-000000000002',
  eventName: 'Year 9 evening',
  schoolId: '00000000-0000-4000-8000-000000000003',
  schoolName: 'Test & Co School',
  timeZone: ZONE,
};
const appt = (id: string, iso: string): Appointment => {
  const start = DateTime.fromISO(iso, { zone: ZONE });
  return {
    bookingId: id,
    startsAt: start.toJSDate(),
    endsAt: start.plus({ minutes: 5 }).toJSDate(),
    teacherName: 'Mr Smith',
    subject: 'Chemistry',
    room: 'Lab 2',
    studentName: 'Ava Patel',
    familySurname: 'Patel',
    status: 'confirmed',
    sequence: 3,
  };
};
const sending: Sending = { at: new Date('2026-06-20T16:42:00Z'), organizerEmail: 'no-reply@school.example' };

describe('mail templates', () => {
  it('writes school-local times in both parts, escapes HTML, and carries no tracking or remote content', () => {
    const mail = confirmationMail(
      ctx,
      sending,
      [appt('00000000-0000-4000-8000-00000000000a', '2026-07-01T17:40')],
      'family',
    );
    expect(mail.text).toContain('17:40–17:45');
    expect(mail.text).toContain('Wednesday 1 July 2026');
    expect(mail.html).toContain('17:40–17:45');
    expect(mail.html).toContain('O&#39;Brien &lt;script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toMatch(/<img|src=|url\(|https?:\/\//i);
    expect(mail.attachments?.[0]?.filename).toBe('appointments.ics');
  });

  it('names each teacher with the subject they teach the child, in both parts and the .ics', () => {
    const chem = appt('00000000-0000-4000-8000-00000000000c', '2026-07-01T17:40');
    const none = { ...appt('00000000-0000-4000-8000-00000000000d', '2026-07-01T17:50'), subject: '' };
    const mail = confirmationMail(ctx, sending, [chem, none], 'family');
    expect(mail.text).toContain('Mr Smith (Chemistry), Lab 2 (for Ava Patel)');
    // No subject on the class list: no empty brackets.
    expect(mail.text).toContain('Mr Smith, Lab 2 (for Ava Patel)');
    expect(mail.html).toContain('Mr Smith (Chemistry)<br>');
    expect(String(mail.attachments?.[0]?.content)).toContain('SUMMARY:Ava Patel: Mr Smith (Chemistry)');
  });

  it('says which moment it describes, and that a cancellation file removes the times', () => {
    const a = appt('00000000-0000-4000-8000-00000000000e', '2026-07-01T17:40');
    const confirmed = confirmationMail(ctx, sending, [a], 'family');
    // 16:42 UTC is 17:42 in London in June.
    expect(confirmed.text).toContain('As of 17:42 on Saturday 20 June 2026, when this message was sent.');
    expect(confirmed.html).toContain('As of 17:42 on Saturday 20 June 2026');
    expect(confirmed.text).toContain('adds these times to your calendar');
    const cancelled = cancellationMail(ctx, sending, [{ ...a, status: 'cancelled' }], [], 'staff');
    for (const part of [cancelled.text, cancelled.html]) {
      expect(part).not.toContain('adds these times');
      expect(part).toContain('removes the cancelled appointments from your calendar');
    }
    expect(cancelled.attachments?.[0]?.contentType).toContain('method=CANCEL');
  });

  it("lists a teacher's day in the school's zone", () => {
    const list = [appt('00000000-0000-4000-8000-00000000000b', '2026-11-10T16:00')];
    const mail = teacherScheduleMail('Mr Smith', ctx, list[0]!.startsAt, list);
    expect(mail.text).toContain('Tuesday 10 November 2026');
    expect(mail.text).toContain('16:00–16:05  Ava Patel (Patel family), Lab 2');
  });

  it('puts the opt-out link in the text, the HTML and the List-Unsubscribe headers', () => {
    const staff = { displayName: 'Mrs Head', schoolName: 'Test School' } as StaffContext;
    const link = 'https://confer.example/api/v1/mail/opt-out/abc';
    const mail = systemUpdateMail(staff, 'Release', 'Body', link);
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.headers).toEqual({
      'List-Unsubscribe': `<${link}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('mail keys', () => {
  const ids = ['00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-0000000000a1'];
  it('are deterministic, independent of batch order, and free of the ":" BullMQ refuses', () => {
    const base = {
      kind: 'booking-confirmed' as const,
      eventId: ctx.eventId,
      familyId: ctx.familyId,
      by: 'family' as const,
    };
    const a = emailKey({ ...base, bookingIds: ids });
    expect(a).toBe(emailKey({ ...base, bookingIds: [...ids].reverse() }));
    expect(a).toMatch(/^email\.batch-[0-9a-f]{24}\.booking-confirmed$/);
    expect(emailKey({ ...base, bookingIds: [ids[0]!] })).toBe(`email.${ids[0]}.booking-confirmed`);
    expect(emailKey({ ...base, kind: 'booking-cancelled', bookingIds: [ids[0]!] })).not.toBe(
      emailKey({ ...base, bookingIds: [ids[0]!] }),
    );
    expect(a).not.toContain(':');
  });

  it('match the keys the reminder and schedule sweep looks up in SQL', () => {
    expect(emailKey({ kind: 'reminder', eventId: ctx.eventId, familyId: ctx.familyId })).toBe(
      `email.${ctx.eventId}-${ctx.familyId}.reminder`,
    );
    expect(
      emailKey({ kind: 'teacher-schedule', eventId: ctx.eventId, staffId: ctx.familyId, date: '2026-11-10' }),
    ).toBe(`email.${ctx.eventId}-${ctx.familyId}-2026-11-10.teacher-schedule`);
  });
});
