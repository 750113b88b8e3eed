// Outgoing email. With SMTP_URL, messages go through nodemailer's SMTP transport (STARTTLS is
// required unless the URL is smtps://); without it they are written to DATA_DIR/outbox as one JSON
// file per message (mode 0600), which is how the demo and the tests read them.
// Guarantees: a message body (which may hold a one-time link) is never logged; only where it went.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface OutboxMessage extends MailMessage {
  id: string;
  from: string;
  sentAt: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  /** Where outbox messages are written (outbox kind only). */
  readonly outboxDir: string | undefined;
  send(message: MailMessage): Promise<void>;
}

export function createMailer(options: { smtpUrl?: string; from: string; dataDir: string; logger?: Pick<Logger, 'info' | 'warn'> }): Mailer {
  if (options.smtpUrl !== undefined) {
    // SECURITY: requireTLS refuses a server that does not offer STARTTLS (no plaintext downgrade).
    const transport = nodemailer.createTransport({ url: options.smtpUrl, requireTLS: !options.smtpUrl.startsWith('smtps://') });
    return {
      kind: 'smtp',
      outboxDir: undefined,
      async send(message) {
        await transport.sendMail({ from: options.from, to: message.to, subject: message.subject, text: message.text });
        options.logger?.info({ subject: message.subject }, 'email sent');
      },
    };
  }
  const outboxDir = path.join(options.dataDir, 'outbox');
  return {
    kind: 'outbox',
    outboxDir,
    async send(message) {
      await mkdir(outboxDir, { recursive: true, mode: 0o700 });
      const id = randomUUID();
      const sentAt = new Date().toISOString();
      const file = path.join(outboxDir, `${sentAt.replace(/[:.]/g, '-')}-${id}.json`);
      const stored: OutboxMessage = { id, from: options.from, sentAt, ...message };
      await writeFile(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
      options.logger?.info({ subject: message.subject, file }, 'email written to the outbox (SMTP_URL is not set)');
    },
  };
}

/** Every message in an outbox, oldest first. */
export async function readOutbox(outboxDir: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = (await readdir(outboxDir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(outboxDir, n), 'utf8')) as OutboxMessage));
}
