// What bench/http.ts and its server process (http-servers.ts) share: route paths and messages.

export const BENCH_PATH = '/bench';
/** The same route left under a rate limit whose ceiling a 5 s run cannot reach. */
export const RATE_LIMITED_PATH = '/bench-rate-limited';
export const UNREACHABLE_LIMIT = 1_000_000_000;

export type ServerName = 'bare' | 'hardened' | 'hardenedInfo';

export type ServersMessage = { type: 'ready'; ports: Record<ServerName, number> } | { type: 'cpu'; micros: number };
export type ServersRequest = { type: 'cpu' };
