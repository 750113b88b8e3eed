// Structured JSON logs with secrets removed before they are written.
// Guarantees: authorization headers, cookies, passwords, tokens and secrets never reach a log
// line, including query strings (OAuth codes, reset tokens) and error objects we serialise.
import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const SENSITIVE_KEYS = [
  'password', 'newPassword', 'currentPassword', 'token', 'accessToken', 'refreshToken', 'access_token',
  'refresh_token', 'idToken', 'id_token', 'secret', 'clientSecret', 'client_secret', 'apiKey', 'api_key',
  'authorization', 'cookie', 'mfaToken', 'recoveryCode', 'privateKey', 'databaseUrl',
];

/** pino redact paths: top level, one level down (`*.x`) and the request and response headers. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((k) => `*.${k}`),
];

/** Keeps the path and the parameter names of a URL; drops every query value. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0] ?? ''}=[redacted]`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

export interface LoggerSettings {
  level: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read what was written. */
  destination?: DestinationStream;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'throughline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: scrubUrl(req.url),
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      }),
      res: (res: FastifyReply) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
}

export function createLogger(settings: LoggerSettings): Logger {
  const options = loggerOptions(settings.level);
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}
