import nodemailer from 'nodemailer';

export interface MailAttachment {
  filename: string;
  content: string;
  contentType: string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: MailAttachment[];
  /** Extra headers (List-Unsubscribe, …). */
  headers?: Record<string, string>;
  /**
   * A stable Message-ID per logical mail: should a duplicate ever slip through the
   * sent-log's narrow window, mail clients can still recognise it as the same message.
   */
  messageId: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * Sends over SMTP to the server in `SMTP_URL` (the school's relay, Mailpit in
 * docker-compose, an in-process smtp-server in tests). Timeouts are bounded
 * because the sent-log keeps a database transaction open while a message is sent.
 */
export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    // Kept-open connections, several messages each: a new TCP connection and SMTP
    // greeting per message was most of the workers' CPU per confirmation.
    pool: true,
    // A connection closed under a message is tried once more on a fresh one (a server
    // closing an idle connection just as it was picked); beyond that the e-mail
    // worker's back-off for the server decides (workers/smtp-backoff.ts), not the
    // pool's own requeues, which were five more connections per message while the
    // server was away.
    maxRequeues: 1,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments,
        headers: mail.headers,
        messageId: mail.messageId,
      });
      return { messageId: info.messageId };
    },
    close() {
      transport.close();
    },
  };
}
