// RFC 9116 security.txt: how researchers reach us, and the policy that protects them.
import type { FastifyInstance } from 'fastify';

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface SecurityTxtOptions {
  contact: string;
  /** PUBLIC_URL, e.g. https://analytics.example.com; when set, a Canonical line is published. */
  publicUrl: string | undefined;
  now?: () => Date;
}

export function renderSecurityTxt(options: SecurityTxtOptions & { requestBaseUrl: string }): string {
  const now = options.now?.() ?? new Date();
  // RFC 9116 §2.5.5: Expires must be less than a year ahead; re-computed so it never goes stale.
  const expires = new Date(now.getTime() + ONE_YEAR_MS - 24 * 60 * 60 * 1000);
  const base = (options.publicUrl ?? options.requestBaseUrl).replace(/\/$/, '');
  const lines = [
    `Contact: ${options.contact}`,
    `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `Policy: ${base}/security`,
    'Preferred-Languages: en, ru',
  ];
  if (options.publicUrl !== undefined) lines.push(`Canonical: ${base}/.well-known/security.txt`);
  return `${lines.join('\n')}\n`;
}

export function registerSecurityTxt(app: FastifyInstance, options: SecurityTxtOptions): void {
  app.get('/.well-known/security.txt', { schema: { hide: true } }, async (request, reply) => {
    // Without PUBLIC_URL (a local install) the Policy link follows the address the reader used;
    // that answer depends on the Host header, so no shared cache may keep it.
    const requestBaseUrl = `${request.protocol}://${request.host}`;
    const caching = options.publicUrl === undefined ? 'no-cache' : 'public, max-age=86400';
    return reply.type('text/plain; charset=utf-8').header('cache-control', caching).send(renderSecurityTxt({ ...options, requestBaseUrl }));
  });
}
