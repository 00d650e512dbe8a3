import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import { type MailCatcher, startMailCatcher } from '../../server/scripts/demo-mail-catcher.ts';

let catcher: MailCatcher | undefined;
afterAll(async () => {
  await catcher?.close();
});

describe("the demo's mail catcher", () => {
  it('takes mail over SMTP and lists it on its page, escaped, newest first', async () => {
    catcher = await startMailCatcher();
    expect(catcher.smtpUrl).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    const empty = await (await fetch(catcher.pageUrl)).text();
    expect(empty).toContain('No mail yet');
    const transport = nodemailer.createTransport(catcher.smtpUrl);
    await transport.sendMail({
      from: 'Confer <no-reply@confer.local>',
      to: 'parent@example.org',
      subject: 'Your appointments <script>x</script>',
      text: 'Mr Hill at 16:40',
      attachments: [
        { filename: 'appointments.ics', content: 'BEGIN:VCALENDAR', contentType: 'text/calendar' },
      ],
    });
    await transport.sendMail({ from: 'a@b.c', to: 'second@example.org', subject: 'Second', text: 'later' });
    const res = await fetch(catcher.pageUrl);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('Your appointments &lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('Mr Hill at 16:40');
    expect(html).toContain('appointments.ics (text/calendar)');
    expect(html.indexOf('Second')).toBeLessThan(html.indexOf('Your appointments'));
    expect(catcher.caught().map((m) => m.to)).toEqual(['second@example.org', 'parent@example.org']);
    expect((await fetch(`${catcher.pageUrl}other`)).status).toBe(404);
  });
});
