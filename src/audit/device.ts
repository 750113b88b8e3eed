// Turns a User-Agent header into the small device summary stored with each entry.
import { UAParser } from 'ua-parser-js';
import type { AuditDevice } from './schema.js';
import { storableText } from './scrub.js';

/** Longer headers are cut: the column is capped and nothing useful lives past this. */
export const MAX_USER_AGENT_LENGTH = 512;

export function normaliseUserAgent(userAgent: string | null | undefined): string | null {
  if (userAgent === null || userAgent === undefined) return null;
  const cleaned = storableText(userAgent.slice(0, MAX_USER_AGENT_LENGTH)).trim();
  return cleaned === '' ? null : cleaned;
}

// Parsing costs ~80 µs, a tenth of an append, and a handful of user agents make up most traffic.
// Bounded, because the header is attacker-chosen: when full, the cache starts over.
const DEVICE_CACHE_SIZE = 1_000;
const deviceCache = new Map<string, AuditDevice | null>();

export function parseDevice(userAgent: string | null): AuditDevice | null {
  if (userAgent === null) return null;
  const cached = deviceCache.get(userAgent);
  if (cached !== undefined || deviceCache.has(userAgent)) return cached === null || cached === undefined ? null : { ...cached };
  const device = parseUncached(userAgent);
  if (deviceCache.size >= DEVICE_CACHE_SIZE) deviceCache.clear();
  deviceCache.set(userAgent, device);
  return device === null ? null : { ...device };
}

function parseUncached(userAgent: string): AuditDevice | null {
  const parsed = UAParser(userAgent);
  const browser = parsed.browser.name ?? null;
  const os = parsed.os.name ?? null;
  if (browser === null && os === null) return null;
  return {
    browser,
    browserVersion: parsed.browser.major ?? null,
    os,
    osVersion: parsed.os.version ?? null,
    // ua-parser-js names mobile, tablet, smarttv, ...; a recognised browser with no device type
    // is a desktop (its documented convention).
    type: parsed.device.type ?? 'desktop',
  };
}
