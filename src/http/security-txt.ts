// RFC 9116 security.txt: how researchers reach us, and the policy that protects them.
import type { FastifyInstance } from 'fastify';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface SecurityTxtOptions {
  contact: string;
  /** Where the server is reached, e.g. https://analytics.example.com */
  baseUrl: string;
  /** True when baseUrl is the configured PUBLIC_URL (then a Canonical line is published). */
  canonical: boolean;
  now?: () => Date;
}

export function renderSecurityTxt(options: SecurityTxtOptions): string {
  const now = options.now?.() ?? new Date();
  // RFC 9116 §2.5.5: Expires must be less than a year ahead; re-computed so it never goes stale.
  const expires = new Date(now.getTime() + ONE_YEAR_MS - 24 * 60 * 60 * 1000);
  const base = options.baseUrl.replace(/\/$/, '');
  const lines = [
    `Contact: ${options.contact}`,
    `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `Policy: ${base}/security`,
    'Preferred-Languages: en, ru',
  ];
  if (options.canonical) lines.push(`Canonical: ${base}/.well-known/security.txt`);
  return `${lines.join('\n')}\n`;
}

export function registerSecurityTxt(app: FastifyInstance, options: SecurityTxtOptions): void {
  app.get('/.well-known/security.txt', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=86400').send(renderSecurityTxt(options)),
  );
}
