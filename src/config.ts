// Every setting Throughline reads, validated once at start-up by one zod schema.
// Guarantees: a bad or missing value stops start-up with one line naming the variable; secret
// values are never echoed; every secret may also come from `<NAME>_FILE` (Docker/K8s secrets).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { isKeySpec } from './crypto/key-spec.js';

/** Settings that may hold credentials: readable from `<NAME>_FILE`, never printed. */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'DATABASE_OWNER_URL',
  'DEMO_PASSWORD',
  'ENCRYPTION_KEYS',
  'SMTP_URL',
  'REDIS_URL',
  'META_ADS_CLIENT_SECRET',
  'GOOGLE_ADS_CLIENT_SECRET',
  'GOOGLE_ADS_DEVELOPER_TOKEN',
  'YANDEX_DIRECT_CLIENT_SECRET',
  'AMOCRM_CLIENT_SECRET',
  'HUBSPOT_CLIENT_SECRET',
] as const;

/** Providers with a connector (src/integrations/registry.ts): each reads `<PREFIX>_CLIENT_ID` and friends. */
export const INTEGRATION_CONFIG_PREFIXES = ['META_ADS', 'GOOGLE_ADS', 'YANDEX_DIRECT', 'AMOCRM', 'HUBSPOT'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/** Replaces a provider's own origin (tests point it at a local server). */
const providerBaseUrl = optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional());

const postgresUrl = optionalString.refine(
  (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
  'must be a postgres:// or postgresql:// URL',
);

const trustedProxies = optionalString
  .transform((v) => (v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)))
  .refine(
    (list) => list.every(isAddressOrCidr),
    'must be a comma-separated list of proxy IP addresses or CIDR ranges (not "true": trusting every hop lets any client forge X-Forwarded-For)',
  );

function isAddressOrCidr(entry: string): boolean {
  if (isIP(entry) !== 0) return true;
  try {
    ipaddr.parseCIDR(entry);
    return true;
  } catch {
    return false;
  }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (!ipaddr.isValid(host)) return false;
  return ipaddr.process(host).range() === 'loopback';
}

const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce
      .number({ error: 'must be a port number between 0 and 65535' })
      .int('must be a port number between 0 and 65535')
      .min(0, 'must be a port number between 0 and 65535')
      .max(65535, 'must be a port number between 0 and 65535')
      .default(3000),
    HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
    DATABASE_URL: postgresUrl,
    DATABASE_OWNER_URL: postgresUrl,
    DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
    TLS_CERT_FILE: optionalString,
    TLS_KEY_FILE: optionalString,
    TRUST_PROXY: trustedProxies,
    PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    SECURITY_CONTACT: z
      .string()
      .trim()
      .default('mailto:security@throughline.local')
      .refine((v) => /^(mailto:|https:\/\/)/.test(v), 'must start with mailto: or https://'),
    DEMO_PASSWORD: optionalString,
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(1024 * 1024),
    // Key-encryption keys, `id:base64key,...`, active first (src/crypto). Required in production;
    // createKeyRing() enforces that, so `demo` can still refuse production with its own message.
    ENCRYPTION_KEYS: optionalString.refine(
      (v) => v === undefined || isKeySpec(v),
      'must be a list of id:base64 keys of 32 bytes each, the active key first (e.g. k2:...,k1:...)',
    ),
    KEK_ROTATION_DAYS: z.coerce
      .number({ error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be between 1 and 3650')
      .max(3650, 'must be between 1 and 3650')
      .default(180),
    // Identity (src/auth). JWT signing keys rotate every JWT_ROTATION_DAYS; the previous key still
    // verifies for JWT_OVERLAP_DAYS. Access tokens live ACCESS_TOKEN_MINUTES (at most 15).
    JWT_ROTATION_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int().min(1, 'must be between 1 and 3650').max(3650, 'must be between 1 and 3650').default(90),
    JWT_OVERLAP_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int().min(1, 'must be between 1 and 90').max(90, 'must be between 1 and 90').default(7),
    ACCESS_TOKEN_MINUTES: z.coerce.number({ error: 'must be a whole number of minutes' }).int().min(1, 'must be between 1 and 15').max(15, 'must be between 1 and 15').default(15),
    SESSION_DAYS: z.coerce.number({ error: 'must be a whole number of days' }).int().min(1, 'must be between 1 and 90').max(90, 'must be between 1 and 90').default(30),
    // Outgoing email: smtp(s)://user:pass@host:port. Unset: messages are written to DATA_DIR/outbox.
    SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL'),
    MAIL_FROM: z.string().trim().default('Throughline <no-reply@throughline.local>'),
    // Shared brute-force counters and IP blocks when several processes serve (src/auth/brute-force.ts):
    // redis(s)://[user:password@]host:port[/db]. Unset: counted in this process's memory.
    REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL'),
    // The audit log's retention (src/audit/retention-job.ts). Under 3 months would erase the trail
    // before most breaches are even noticed; over 10 years, set a policy rather than a number.
    AUDIT_RETENTION_MONTHS: z.coerce
      .number({ error: 'must be a whole number of months' })
      .int('must be a whole number of months')
      .min(3, 'must be between 3 and 120 months')
      .max(120, 'must be between 3 and 120 months')
      .default(12),
    // Run the job worker inside serve/demo (src/jobs). Default: yes on the embedded database, which
    // only one process can open; no with DATABASE_URL, where `throughline worker` runs apart.
    WORKER_IN_PROCESS: z.stringbool({ error: 'must be true or false' }).optional(),
    // Integration provider apps (src/integrations/registry.ts). A provider without its client id and
    // secret is listed as "not configured". <PREFIX>_API_BASE_URL and <PREFIX>_OAUTH_BASE_URL replace
    // the provider's own origins; the outbound SSRF guard trusts exactly those overridden origins.
    META_ADS_CLIENT_ID: optionalString,
    META_ADS_CLIENT_SECRET: optionalString,
    META_ADS_API_BASE_URL: providerBaseUrl,
    META_ADS_OAUTH_BASE_URL: providerBaseUrl,
    GOOGLE_ADS_CLIENT_ID: optionalString,
    GOOGLE_ADS_CLIENT_SECRET: optionalString,
    // Google Ads also needs the manager account's developer token on every API call.
    GOOGLE_ADS_DEVELOPER_TOKEN: optionalString,
    GOOGLE_ADS_API_BASE_URL: providerBaseUrl,
    GOOGLE_ADS_OAUTH_BASE_URL: providerBaseUrl,
    YANDEX_DIRECT_CLIENT_ID: optionalString,
    YANDEX_DIRECT_CLIENT_SECRET: optionalString,
    YANDEX_DIRECT_API_BASE_URL: providerBaseUrl,
    YANDEX_DIRECT_OAUTH_BASE_URL: providerBaseUrl,
    AMOCRM_CLIENT_ID: optionalString,
    AMOCRM_CLIENT_SECRET: optionalString,
    AMOCRM_API_BASE_URL: providerBaseUrl,
    AMOCRM_OAUTH_BASE_URL: providerBaseUrl,
    HUBSPOT_CLIENT_ID: optionalString,
    HUBSPOT_CLIENT_SECRET: optionalString,
    HUBSPOT_API_BASE_URL: providerBaseUrl,
    HUBSPOT_OAUTH_BASE_URL: providerBaseUrl,
  })
  .superRefine((c, ctx) => {
    if ((c.TLS_CERT_FILE === undefined) !== (c.TLS_KEY_FILE === undefined)) {
      const missing = c.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'must be set together with its pair (TLS_CERT_FILE and TLS_KEY_FILE)' });
    }
    // SECURITY: plain HTTP is only served where nobody else can listen in: the loopback
    // interface, or behind a declared TLS-terminating proxy.
    const tls = c.TLS_CERT_FILE !== undefined;
    if (!tls && c.TRUST_PROXY.length === 0 && !isLoopbackHost(c.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HOST'],
        message: 'serves plain HTTP only on a loopback address; set TLS_CERT_FILE and TLS_KEY_FILE, or TRUST_PROXY for a TLS-terminating proxy',
      });
    }
    if (c.NODE_ENV === 'production' && c.PUBLIC_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required in production' });
    }
    if (c.NODE_ENV === 'production' && c.PUBLIC_URL?.startsWith('http://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'must be an https:// URL in production' });
    }
    if (c.DATABASE_OWNER_URL !== undefined && c.DATABASE_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'is required when DATABASE_OWNER_URL is set' });
    }
    const settings = c as Readonly<Record<string, unknown>>;
    for (const prefix of INTEGRATION_CONFIG_PREFIXES) {
      if ((settings[`${prefix}_CLIENT_ID`] === undefined) !== (settings[`${prefix}_CLIENT_SECRET`] === undefined)) {
        const missing = settings[`${prefix}_CLIENT_ID`] === undefined ? `${prefix}_CLIENT_ID` : `${prefix}_CLIENT_SECRET`;
        ctx.addIssue({ code: 'custom', path: [missing], message: `must be set together with its pair (${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET)` });
      }
      // SECURITY: an overridden origin is trusted past the SSRF guard; in production it must be TLS.
      for (const key of [`${prefix}_API_BASE_URL`, `${prefix}_OAUTH_BASE_URL`]) {
        const url = settings[key];
        if (c.NODE_ENV === 'production' && typeof url === 'string' && !url.startsWith('https://')) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must be an https:// URL in production' });
        }
      }
    }
    if (c.GOOGLE_ADS_CLIENT_ID !== undefined && c.GOOGLE_ADS_DEVELOPER_TOKEN === undefined) {
      ctx.addIssue({ code: 'custom', path: ['GOOGLE_ADS_DEVELOPER_TOKEN'], message: 'is required with GOOGLE_ADS_CLIENT_ID (every Google Ads API call carries it)' });
    }
  })
  .transform((c) => ({ ...c, WORKER_IN_PROCESS: c.WORKER_IN_PROCESS ?? c.DATABASE_URL === undefined }));

export type Config = Readonly<Omit<z.output<typeof configSchema>, 'DATA_DIR'> & { DATA_DIR: string }>;

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable} ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads `<NAME>_FILE` for each secret; a value given both ways is ambiguous and refused. */
function resolveSecretFiles(env: Env): Record<string, string | undefined> {
  // An empty variable (`PORT=`) means "not set": it gets the default, never a coerced 0.
  const resolved: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new ConfigError(name, `and ${name}_FILE are both set; set only one`);
    }
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE`, 'names a file that cannot be read');
    }
  }
  return resolved;
}

/**
 * Validates the environment into a frozen Config.
 * @throws ConfigError naming the first offending variable; its message never contains the value.
 */
export function loadConfig(env: Env = process.env): Config {
  const parsed = configSchema.safeParse(resolveSecretFiles(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'configuration');
    // zod's default messages can quote the received value; for secrets that would leak it.
    const secret = (SECRET_SETTINGS as readonly string[]).includes(variable);
    const message = secret && issue?.code !== 'custom' ? 'is not valid' : (issue?.message ?? 'is not valid');
    throw new ConfigError(variable, message);
  }
  return Object.freeze({ ...parsed.data, DATA_DIR: path.resolve(parsed.data.DATA_DIR) });
}
