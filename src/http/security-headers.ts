// Security headers on every response: pages, API routes, static files, 404s and 500s.
// Guarantees: a CSP without 'unsafe-inline' or 'unsafe-eval', HSTS, no framing, no sniffing,
// a strict referrer policy, no powerful browser features, and no X-Powered-By.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export const CSP_REPORT_PATH = '/api/csp-report';

/** The Content-Security-Policy directives, as helmet takes them. */
export function contentSecurityPolicy(options: { upgradeInsecureRequests: boolean }): Record<string, string[] | null> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    'manifest-src': ["'self'"],
    'worker-src': ["'self'"],
    'report-uri': [CSP_REPORT_PATH],
    // Over plain HTTP on loopback, upgrading would point the browser at a port with no TLS.
    'upgrade-insecure-requests': options.upgradeInsecureRequests ? [] : null,
  };
}

// SECURITY: deny every powerful feature; the dashboard needs none of them.
const PERMISSIONS_POLICY = [
  'accelerometer=()', 'autoplay=()', 'camera=()', 'display-capture=()', 'geolocation=()', 'gyroscope=()',
  'magnetometer=()', 'microphone=()', 'midi=()', 'payment=()', 'usb=()',
  'publickey-credentials-get=(self)', 'publickey-credentials-create=(self)',
].join(', ');

export async function registerSecurityHeaders(app: FastifyInstance, options: { upgradeInsecureRequests: boolean }): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(options) },
    strictTransportSecurity: { maxAge: 63_072_000, includeSubDomains: true, preload: false },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    xPoweredBy: true,
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.removeHeader('x-powered-by');
    // API answers carry data for one user; no cache may keep them.
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}
