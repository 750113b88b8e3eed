// serve with TLS_CERT_FILE/TLS_KEY_FILE speaks TLS 1.3 only; a TLS 1.2 client is refused.
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type SecureVersion } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTlsFiles } from '../src/server.js';
import { createTestApp, type TestApp } from './support/app.js';

let t: TestApp;
let port = 0;
let cert = '';

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tl-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  const https = await loadTlsFiles({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
  expect(https?.minVersion).toBe('TLSv1.3');
  t = await createTestApp({ env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }, deps: { https } });
  await (t.app as FastifyInstance).listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  cert = https?.cert.toString() ?? '';
});
afterAll(() => t?.close());

function handshake(maxVersion: SecureVersion): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert, minVersion: 'TLSv1', maxVersion }, () => {
      const protocol = socket.getProtocol() ?? 'unknown';
      socket.end();
      resolve(protocol);
    });
    socket.on('error', reject);
  });
}

describe('TLS', () => {
  it('completes a TLS 1.3 handshake', async () => {
    await expect(handshake('TLSv1.3')).resolves.toBe('TLSv1.3');
  });

  it('refuses a client that speaks at most TLS 1.2', async () => {
    await expect(handshake('TLSv1.2')).rejects.toThrow(/protocol|version|alert/i);
  });

  it('serves the API with security headers and upgrade-insecure-requests over HTTPS', async () => {
    const res = await new Promise<{ status: number; csp: string }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/healthz', servername: 'localhost', ca: cert }, (r) => {
        r.resume();
        resolve({ status: r.statusCode ?? 0, csp: String(r.headers['content-security-policy']) });
      })
        .on('error', reject)
        .end();
    });
    expect(res.status).toBe(200);
    expect(res.csp).toContain('upgrade-insecure-requests');
  });
});
