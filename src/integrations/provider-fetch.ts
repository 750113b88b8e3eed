// The one HTTP client for every call to a provider (OAuth endpoints and APIs). Guarantees:
// - SSRF: the address a connection is made to is checked at connect time, after DNS, so a name
//   that resolves (or re-resolves) to a private, loopback, link-local or otherwise non-public
//   address is refused, as is an IP literal in such a range. The one exception is an origin the
//   operator overrode in config (`<PROVIDER>_API_BASE_URL`, `<PROVIDER>_OAUTH_BASE_URL`), which is
//   how tests and on-premise proxies point a provider at a local server.
// - No redirects are followed (a 3xx comes back as is), so a provider cannot bounce us elsewhere.
// - Every call has a deadline (connect + response + body) and a ceiling on the decoded body size.
// Built on node:http(s) with a guarded `lookup`: undici (named in ARCHITECTURE.md) is not installed
// here; the guarantee is the same (the checked address is the one connected to).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import ipaddr from 'ipaddr.js';

export type ProviderFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface ProviderFetchOptions {
  /** Origins (`https://host:port`) the operator configured explicitly: exempt from the address check. */
  trustedOrigins?: Iterable<string>;
  /** Whole-request deadline. Default 30 s. */
  timeoutMs?: number;
  /** Largest decoded body accepted. Default 64 MiB (a year of a big account's daily report). */
  maxResponseBytes?: number;
  /** DNS resolution; tests replace it to prove the check runs on resolved addresses. */
  lookup?: (hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;
}

/** Why a provider call was refused before it left; the message names no secret. */
export class OutboundRequestError extends Error {
  override name = 'OutboundRequestError';
  constructor(
    readonly code: 'blocked_address' | 'bad_url' | 'timeout' | 'too_large' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Only globally routable unicast addresses; IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
}

function originOf(url: URL): string {
  return url.origin.toLowerCase();
}

function defaultLookup(hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void): void {
  dnsLookup(hostname, { all: true, verbatim: true }, callback);
}

/**
 * SECURITY: the lookup net.connect uses. Every address a name resolves to must be public (one
 * private answer refuses the whole name, so round-robin games cannot slip one through), and the
 * socket connects to exactly the addresses checked here: no second resolution.
 */
function guardedLookup(resolve: NonNullable<ProviderFetchOptions['lookup']>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error !== null) return callback(error, '', 0);
      const family = typeof options === 'object' && options !== null ? options.family : undefined;
      const usable = addresses.filter((a) => family === undefined || family === 0 || a.family === family);
      if (usable.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      const blocked = usable.find((a) => !isPublicAddress(a.address));
      if (blocked !== undefined) {
        return callback(new OutboundRequestError('blocked_address', `refused: ${hostname} resolves to a non-public address`), '', 0);
      }
      if (typeof options === 'object' && options !== null && options.all === true) {
        (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, usable);
        return;
      }
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function bodyOf(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new OutboundRequestError('bad_url', 'unsupported request body type');
}

function decoderFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

export function createProviderFetch(options: ProviderFetchOptions = {}): ProviderFetch {
  const trusted = new Set([...(options.trustedOrigins ?? [])].map((o) => originOf(new URL(o))));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  const lookup = guardedLookup(options.lookup ?? defaultLookup);

  return async function providerFetch(input, init) {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new OutboundRequestError('bad_url', 'not a URL');
    }
    const isTrusted = trusted.has(originOf(url));
    // SECURITY: plain HTTP only to an origin the operator named (a local test server or proxy).
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isTrusted)) {
      throw new OutboundRequestError('bad_url', 'only https:// provider URLs are allowed');
    }
    if (url.username !== '' || url.password !== '') throw new OutboundRequestError('bad_url', 'credentials in a URL are not allowed');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // net.connect skips `lookup` for an IP literal, so literals are checked here.
    if (!isTrusted && isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new OutboundRequestError('blocked_address', 'refused: a non-public address');
    }

    const signals = [AbortSignal.timeout(timeoutMs), ...(init?.signal ? [init.signal] : [])];
    const signal = AbortSignal.any(signals);
    const payload = bodyOf(init?.body);
    const headers = headersOf(init);
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    headers['user-agent'] ??= 'Throughline (+https://github.com/throughline)';
    if (payload !== undefined) headers['content-length'] = String(payload.length);

    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (error instanceof OutboundRequestError) return reject(error);
        if (signal.aborted) {
          const reason: unknown = signal.reason;
          const timedOut = reason instanceof DOMException && reason.name === 'TimeoutError';
          return reject(timedOut ? new OutboundRequestError('timeout', `no answer within ${timeoutMs} ms`, { cause: error }) : reason);
        }
        const cause = error as { cause?: unknown } | undefined;
        if (cause?.cause instanceof OutboundRequestError) return reject(cause.cause);
        reject(new OutboundRequestError('network', 'the provider could not be reached', { cause: error }));
      };
      const request = transport.request(
        url,
        {
          method: init?.method ?? 'GET',
          headers,
          signal,
          // Trusted origins still resolve normally; everything else goes through the guard.
          ...(isTrusted ? {} : { lookup }),
          agent: false,
        },
        (response) => {
          const decoder = decoderFor(response.headers['content-encoding']);
          const stream: Readable = decoder === undefined ? response : response.pipe(decoder as unknown as NodeJS.WritableStream & Readable);
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              stream.destroy();
              response.destroy();
              fail(new OutboundRequestError('too_large', `the provider's answer exceeds ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            const status = response.statusCode ?? 502;
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(response.headers)) {
              if (value === undefined || key === 'content-encoding' || key === 'content-length') continue;
              for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
            }
            const nullBody = status === 204 || status === 304 || (status >= 100 && status < 200);
            // Response refuses statuses outside 200..599; a 1xx final status would be a broken server.
            const safeStatus = status < 200 || status > 599 ? 502 : status;
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status: safeStatus, statusText: response.statusMessage ?? '', headers: responseHeaders }));
          });
        },
      );
      request.on('error', fail);
      request.end(payload);
    });
  };
}
