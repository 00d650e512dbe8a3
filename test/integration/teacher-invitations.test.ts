import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITATIONS_PER_TEACHER_HOUR } from '../../protocol/invitations.ts';
import type { SeededSchool } from '../../server/src/features/demo/demo-seed.ts';
import type { RunningWorkers } from '../../workers/start-workers.ts';
import { loginFamily, loginStaff, seedSmallSchool } from '../support/fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { startSmtp, startTestWorkers, type TestSmtp, workerHooks } from './workers-harness.ts';

/**
 * A teacher sees which families of their classes have not booked them and
 * sends them a polite invitation to book — through the outbox and the real e-mail
 * worker to an in-process SMTP server; once per family per event in 24 hours, a cap per
 * teacher per hour, recorded, and never to a family that opted out.
 */
let app: TestApp;
let school: SeededSchool;
let smtp: TestSmtp;
let workers: RunningWorkers;
let teacherId: string;
let teacher: string;

type NotBooked = {
  familyId: string;
  surname: string;
  children: { studentId: string; name: string }[];
  cannotInvite: string | null;
  canInviteAt: string | null;
};

beforeAll(async () => {
  smtp = await startSmtp();
  app = await startTestApp({ EMAIL_BACKOFF_MS: '100' }, { hooks: workerHooks });
  school = await seedSmallSchool(app, { code: 'TINV', teachers: 3, families: 12 });
  workers = await startTestWorkers(app, { smtpUrl: smtp.url, only: ['email'], env: { PUBLIC_URL: app.url } });
  // The teacher with the most families in their classes.
  const count = (id: string) =>
    school.families.filter((f) =>
      f.studentIds.some((s) => school.students.find((st) => st.id === s)!.teacherIds.includes(id)),
    ).length;
  teacherId = [...school.teachers].sort((a, b) => count(b.id) - count(a.id))[0]!.id;
  teacher = await loginStaff(app, school.teachers.find((t) => t.id === teacherId)!.email);
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await smtp?.close();
});

const inClass = (f: SeededSchool['families'][number], id = teacherId) =>
  f.studentIds.filter((s) => school.students.find((st) => st.id === s)!.teacherIds.includes(id));
const notBooked = async (token = teacher) => {
  const res = await app.api('GET', `/api/v1/teacher/events/${school.eventId}/not-booked`, { token });
  expect(res.status).toBe(200);
  return res.body as { families: NotBooked[]; sentLastHour: number; perHour: number; bookingOpen: boolean };
};
const invite = (familyIds: string[], token = teacher, headers: Record<string, string> = {}) =>
  app.api('POST', `/api/v1/teacher/events/${school.eventId}/invitations`, {
    token,
    body: { familyIds },
    headers,
  });
const mailsTo = (address: string): ParsedMail[] =>
  smtp.messages.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address);

/** The family books every child of theirs in the teacher's classes with the teacher. */
async function bookAll(index: number) {
  const f = school.families[index]!;
  const token = await loginFamily(app, school, index);
  const snap = await app.api('GET', `/api/v1/events/${school.eventId}/availability`, { token });
  const free = (snap.body.slots as { id: string; teacherId: string; state: string }[]).filter(
    (s) => s.teacherId === teacherId && s.state === 'free',
  );
  const holdIds: string[] = [];
  for (const [i, studentId] of inClass(f).entries()) {
    const held = await app.api('POST', '/api/v1/holds', {
      token,
      body: { slotId: free[i * 2]!.id, studentId },
    });
    expect(held.status).toBe(200);
    holdIds.push(held.body.id);
  }
  const confirmed = await app.api('POST', '/api/v1/holds/confirm', {
    token,
    body: { eventId: school.eventId, holdIds },
  });
  expect(confirmed.status).toBe(200);
}

describe('families who have not booked a teacher, and invitations to book', () => {
  it('lists the families of the teacher’s classes with a child not booked with them, and drops a family once it books', async () => {
    const mine = school.families.filter((f) => inClass(f).length > 0);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    const before = await notBooked();
    expect(before.bookingOpen).toBe(true);
    expect(before.perHour).toBe(INVITATIONS_PER_TEACHER_HOUR);
    expect(new Set(before.families.map((f) => f.familyId))).toEqual(new Set(mine.map((f) => f.id)));
    for (const f of before.families) {
      const fam = school.families.find((x) => x.id === f.familyId)!;
      expect(new Set(f.children.map((c) => c.studentId))).toEqual(new Set(inClass(fam)));
      expect(f.cannotInvite).toBe(fam.email ? null : 'no_email');
    }
    const index = school.families.findIndex((f) => inClass(f).length > 0);
    await bookAll(index);
    const after = await notBooked();
    expect(after.families.map((f) => f.familyId)).not.toContain(school.families[index]!.id);
    expect(after.families).toHaveLength(before.families.length - 1);
  });

  it('sends one polite mail through the outbox and the worker, skips and says why for the others, and records it', async () => {
    const list = await notBooked();
    const target = list.families.find((f) => f.cannotInvite === null)!;
    const fam = school.families.find((f) => f.id === target.familyId)!;
    const booked = school.families.find(
      (f) => inClass(f).length > 0 && !list.families.some((x) => x.familyId === f.id),
    )!;
    const stranger = school.families.find((f) => inClass(f).length === 0);
    const ids = [target.familyId, booked.id, ...(stranger ? [stranger.id] : [])];
    const res = await invite(ids);
    expect(res.status).toBe(200);
    expect(res.body.invited.map((i: { familyId: string }) => i.familyId)).toEqual([target.familyId]);
    expect(res.body.skipped).toEqual([
      { familyId: booked.id, reason: 'booked' },
      ...(stranger ? [{ familyId: stranger.id, reason: 'not_your_class' }] : []),
    ]);
    expect(res.body.sentLastHour).toBe(1);

    await expect.poll(() => mailsTo(fam.email!).length, { timeout: 15_000 }).toBe(1);
    const mail = mailsTo(fam.email!)[0]!;
    const teacherName = (await app.db.query('SELECT title, surname FROM staff WHERE id = $1', [teacherId]))
      .rows[0];
    expect(mail.subject).toContain('An invitation to book');
    expect(mail.subject).toContain(teacherName.surname);
    expect(mail.text).toContain(`Dear ${fam.surname} family`);
    for (const c of target.children) expect(mail.text).toContain(c.name.split(' ')[0]);
    const token = (await app.db.query('SELECT mail_opt_out_token FROM families WHERE id = $1', [fam.id]))
      .rows[0].mail_opt_out_token;
    const link = `${app.url}/mail/invitations/opt-out/${token}`;
    expect(mail.text).toContain(link);
    const header = (key: string) =>
      mail.headerLines.find((h) => h.key === key)?.line.replace(/\r\n\s+/g, ' ');
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${link}>`);
    expect(mail.html as string).not.toMatch(/<img|src=/i);

    const audit = await app.db.query(
      `SELECT actor_kind, actor_id, target, detail FROM audit_log WHERE action = 'sendBookingInvitations'`,
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actor_kind: 'staff', actor_id: teacherId });
    expect(audit.rows[0].detail.after.invited[0].familyId).toBe(target.familyId);

    // Again within 24 hours — by this teacher or another of the child's — is skipped.
    const again = await invite([target.familyId]);
    expect(again.status).toBe(200);
    expect(again.body.invited).toEqual([]);
    expect(again.body.skipped).toEqual([{ familyId: target.familyId, reason: 'invited_recently' }]);
    const shown = (await notBooked()).families.find((f) => f.familyId === target.familyId)!;
    expect(shown.cannotInvite).toBe('invited_recently');
    expect(Date.parse(shown.canInviteAt!) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(fam.email!)).toHaveLength(1);
  });

  it('respects a family’s opt-out: the link’s GET changes nothing, its POST stops invitations, even one already on its way', async () => {
    const list = await notBooked();
    const [a, b] = list.families.filter((f) => f.cannotInvite === null);
    expect(b).toBeDefined();
    const tokenOf = async (id: string) =>
      (await app.db.query('SELECT mail_opt_out_token FROM families WHERE id = $1', [id])).rows[0]
        .mail_opt_out_token;
    const page = `${app.url}/mail/invitations/opt-out/${await tokenOf(a!.familyId)}`;
    const shown = await fetch(page);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('data-opted-out="false"');
    const done = await fetch(page, { method: 'POST' });
    expect(await done.text()).toContain('data-opted-out="true"');
    expect((await fetch(`${app.url}/mail/invitations/opt-out/${'0'.repeat(48)}`)).status).toBe(404);
    const recorded = await app.db.query(`SELECT target FROM audit_log WHERE action = 'optOutOfInvitations'`);
    expect(recorded.rows.map((r) => r.target.familyId)).toEqual([a!.familyId]);

    expect((await notBooked()).families.find((f) => f.familyId === a!.familyId)!.cannotInvite).toBe(
      'opted_out',
    );
    const refused = await invite([a!.familyId]);
    expect(refused.body.skipped).toEqual([{ familyId: a!.familyId, reason: 'opted_out' }]);

    // An invitation committed before the family opted out, relayed after: not sent.
    const famB = school.families.find((f) => f.id === b!.familyId)!;
    await app.db.query('UPDATE families SET invitation_opt_out_at = now() WHERE id = $1', [famB.id]);
    const { rows } = await app.db.query(
      `INSERT INTO booking_invitations (event_id, staff_id, family_id) VALUES ($1, $2, $3) RETURNING id`,
      [school.eventId, teacherId, famB.id],
    );
    await app.db.query(
      `INSERT INTO outbox (topic, event_id, mail_kind, family_id, booking_ids, actor_kind)
       VALUES ('mail', $1, 'invitation', $2, ARRAY[$3::uuid], 'staff')`,
      [school.eventId, famB.id, rows[0].id],
    );
    // The relay deletes the row once the worker's job for it has finished.
    await expect
      .poll(
        async () => (await app.db.query(`SELECT 1 FROM outbox WHERE mail_kind = 'invitation'`)).rowCount,
        {
          timeout: 20_000,
        },
      )
      .toBe(0);
    expect(mailsTo(famB.email!)).toHaveLength(0);
    expect(mailsTo(school.families.find((f) => f.id === a!.familyId)!.email!)).toHaveLength(0);

    // The family's data export (subject access) says who invited it when, and since when it stopped them.
    const admin = await loginStaff(app, school.admin.email);
    const exported = await app.api('GET', `/api/v1/admin/families/${famB.id}/export`, { token: admin });
    expect(exported.status).toBe(200);
    expect(exported.body.invitations).toEqual([
      { eventId: school.eventId, teacherName: expect.any(String), sentAt: expect.any(String) },
    ]);
    expect(exported.body.invitationsStoppedAt).not.toBeNull();
    const none = await app.api(
      'GET',
      `/api/v1/admin/families/${school.families.find((f) => inClass(f).length === 0)?.id ?? a!.familyId}/export`,
      { token: admin },
    );
    expect(none.status).toBe(200);
    expect(none.body.invitations).toEqual([]);
  });

  it('refuses more than the teacher’s hourly allowance (429, Retry-After), sending none of the request', async () => {
    const list = await notBooked();
    const open = list.families.filter((f) => f.cannotInvite === null);
    expect(open.length).toBeGreaterThan(0);
    // The teacher's last hour already holds their allowance less nothing: as if sent to others.
    const others = school.families.filter((f) => !open.some((o) => o.familyId === f.id));
    await app.db.query(
      `INSERT INTO booking_invitations (event_id, staff_id, family_id, sent_at)
       SELECT $1, $2, f, now() - interval '50 minutes' FROM unnest($3::uuid[]) f, generate_series(1, $4)`,
      [school.eventId, teacherId, [others[0]!.id], INVITATIONS_PER_TEACHER_HOUR - list.sentLastHour],
    );
    const before = (await app.db.query('SELECT count(*)::int AS n FROM booking_invitations')).rows[0].n;
    const res = await invite(open.map((f) => f.familyId));
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    const wait = Number(res.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(9 * 60);
    expect(wait).toBeLessThanOrEqual(10 * 60 + 1);
    expect((await app.db.query('SELECT count(*)::int AS n FROM booking_invitations')).rows[0].n).toBe(before);
  });

  it('is for teachers: a family is refused, as is another school’s event', async () => {
    const fam = await loginFamily(app, school, 0);
    expect(
      (await app.api('GET', `/api/v1/teacher/events/${school.eventId}/not-booked`, { token: fam })).status,
    ).toBe(403);
    expect((await invite([school.families[0]!.id], fam)).status).toBe(403);
    const other = await seedSmallSchool(app, { code: 'TINW', teachers: 1, families: 1 });
    const res = await app.api('GET', `/api/v1/teacher/events/${other.eventId}/not-booked`, {
      token: teacher,
    });
    expect(res.status).toBe(404);
  });
});
