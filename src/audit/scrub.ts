// Removes secrets from event details before they are stored: the audit log is read by workspace
// admins and exported, so a password or token passed in by mistake must never reach it.

const REDACTED = '[REDACTED]';
const MAX_DEPTH = 8;
/** Details larger than this (serialised) are replaced by a marker rather than stored. */
const MAX_DETAILS_BYTES = 16 * 1024;

// Matched against the key's words (camelCase, snake_case and kebab-case are split), so
// `refreshToken`, `client_secret` and `totp-code` are caught. Over-matching (`status_code`) is
// the safe direction.
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'code', 'otp', 'totp', 'cookie', 'authorization', 'credential', 'credentials', 'apikey', 'privatekey']);
const SECRET_PAIRS = [['api', 'key'], ['private', 'key'], ['session', 'id']];

export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return SECRET_PAIRS.some(([a, b]) => words.some((w, i) => w === a && words[i + 1] === b));
}

// A lone UTF-16 surrogate (possible in a JSON request body) is refused by jsonb and would be
// stored as U+FFFD by text columns, breaking the hash: replace it before hashing.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text exactly as PostgreSQL will store and return it: no NUL (refused), no lone surrogates. */
export function storableText(value: string): string {
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[storableText(key)] = isSecretKey(key) ? REDACTED : scrubValue(v, depth + 1);
  }
  return out;
}

/**
 * A JSON-safe copy of details with secret-looking keys redacted at any depth. The result is what
 * is both hashed and stored, so a round trip through jsonb yields the same canonical form.
 */
export function scrubDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (details === undefined) return {};
  // Through JSON first: Dates become strings, undefined members and functions disappear, exactly
  // as they would on the way into jsonb.
  const plain = JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  const scrubbed = scrubValue(plain, 0) as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(scrubbed), 'utf8') > MAX_DETAILS_BYTES) return { truncated: true };
  return scrubbed;
}
