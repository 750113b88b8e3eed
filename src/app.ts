// The composition root for HTTP: builds the Fastify app from the feature modules and the shared
// hardening (headers, errors, limits, logging). Nothing else lives here.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import { registerHealthRoutes } from './health/index.js';
import { registerCspReport } from './http/csp-report.js';
import { registerErrorHandler, sendError } from './http/error-handler.js';
import { registerOpenApi } from './http/openapi.js';
import { generateRequestId, registerRequestContext } from './http/request-context.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerSecurityTxt } from './http/security-txt.js';
import { registerWebApp, sendAppShell, wantsAppShell } from './http/web.js';
import { PACKAGE_VERSION, WEB_ROOT } from './paths.js';

export type AppConfig = Pick<Config, 'BODY_LIMIT_BYTES' | 'TRUST_PROXY' | 'PUBLIC_URL' | 'SECURITY_CONTACT'>;

export interface AppDeps {
  config: AppConfig;
  db: Database;
  logger: Logger;
  /** TLS settings when the server itself terminates TLS. */
  https?: { cert: Buffer; key: Buffer; minVersion: 'TLSv1.3' };
  webRoot?: string;
}

/** Builds the app; the caller adds nothing but may `listen()` or `inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const tls = deps.https !== undefined;
  // The https server type differs only in its raw server; routes and hooks see the same API.
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: generateRequestId,
    // Probes would drown the request log; everything else is logged once in and once out.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: (request) => request.url === '/healthz' || request.url === '/readyz' }),
    // SECURITY: X-Forwarded-* is honoured only when it comes from a declared proxy address.
    trustProxy: config.TRUST_PROXY.length > 0 ? config.TRUST_PROXY : false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    ...(deps.https === undefined ? {} : { https: deps.https }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies by default: text/plain is a CORS "simple" type a foreign page can send.
  app.removeContentTypeParser('text/plain');
  registerErrorHandler(app);

  registerRequestContext(app);
  registerSecurityHeaders(app, { upgradeInsecureRequests: tls || config.TRUST_PROXY.length > 0 });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: 600,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'FST_RATE_LIMITED', message: `retry in ${context.after}` }),
  });
  const webRoot = deps.webRoot ?? WEB_ROOT;
  await registerOpenApi(app, { version: PACKAGE_VERSION, serverUrl: config.PUBLIC_URL ?? '/' });

  registerHealthRoutes(app, { db: deps.db });
  registerSecurityTxt(app, { contact: config.SECURITY_CONTACT, publicUrl: config.PUBLIC_URL });
  registerCspReport(app);
  const webBuilt = await registerWebApp(app, webRoot);

  app.setNotFoundHandler((request, reply) =>
    webBuilt && wantsAppShell(request) ? sendAppShell(reply) : sendError(reply, request, 'request.not_found'),
  );
  return app;
}
