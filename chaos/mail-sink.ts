import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The school's SMTP relay, in the chaos run's process: counts each message by its
 * Message-ID, since at-least-once sending promises the same Message-ID on a resend,
 * and notes every booking a message's calendar file shows (`UID:<bookingId>@confer`):
 * a family's booking mail is composed when its turn comes, so one mail may show a
 * booking confirmed after the mail was asked for, and the later mail that would show
 * the same state is left out ('superseded', docs/workers.md).
 */
export async function startChaosMailSink(): Promise<{
  url: string;
  byMessageId: Map<string, number>;
  /** Booking ids some received calendar file shows. */
  shownBookings: Set<string>;
  /** Epoch ms of the last message received (0: none). */
  lastAt(): number;
  close(): Promise<void>;
}> {
  const byMessageId = new Map<string, number>();
  const shownBookings = new Set<string>();
  let last = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const id = mail.messageId ?? '(none)';
          byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
          for (const a of mail.attachments)
            if (a.contentType.startsWith('text/calendar'))
              for (const m of a.content.toString('utf8').matchAll(/^UID:([0-9a-f-]{36})@/gm))
                shownBookings.add(m[1]!);
          last = Date.now();
          callback();
        })
        .catch((err) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    byMessageId,
    shownBookings,
    lastAt: () => last,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
