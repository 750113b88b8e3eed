// Outgoing email: SMTP or the DATA_DIR outbox.
export { createMailer, readOutbox } from './mailer.js';
export type { MailMessage, Mailer, OutboxMessage } from './mailer.js';
