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
export const SECRET_SETTINGS = ['DATABASE_URL', 'DATABASE_OWNER_URL', 'DEMO_PASSWORD', 'ENCRYPTION_KEYS'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

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
  });

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
