// The composition root for HTTP: builds the Fastify app from the feature modules and the shared
// hardening (headers, errors, limits, logging). Nothing else lives here.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { createPlatformAdminGuard, registerAdminRoutes } from './admin/index.js';
import { createAuditService } from './audit/index.js';
import { registerAuditRoutes } from './audit/routes.js';
import {
  createApiKeyAuthenticator,
  createApiKeyService,
  createIdentity,
  registerApiKeyRoutes,
  registerAuthHooks,
  registerAuthRoutes,
  registerPasskeyRoutes,
  type Identity,
} from './auth/index.js';
import { createLoginGuard, registerIpBlockHook, type LoginGuard } from './auth/brute-force.js';
import { registerIpBlockAdminRoutes } from './auth/ip-blocks.js';
import type { Config } from './config.js';
import type { Vault } from './crypto/index.js';
import type { Database } from './db/index.js';
import { createMailer, type Mailer } from './mail/index.js';
import { createIntegrations, registerIntegrationRoutes, type CsvBatchWriter, type IntegrationConfigKey } from './integrations/index.js';
import type { JobQueue } from './jobs/index.js';
import { createAnalyticsService, registerAnalyticsRoutes } from './analytics/index.js';
import { createSyncService, registerSyncRoutes, writeRecordsAtOnce } from './sync/index.js';
import { createInvitationsService, createWorkspacesService, registerWorkspaceRoutes } from './workspaces/index.js';
import { registerHealthRoutes } from './health/index.js';
import { registerCspReport } from './http/csp-report.js';
import { registerErrorHandler, sendError } from './http/error-handler.js';
import { registerOpenApi } from './http/openapi.js';
import { generateRequestId, registerRequestContext } from './http/request-context.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerSecurityTxt } from './http/security-txt.js';
import { registerWebApp, sendAppShell, wantsAppShell } from './http/web.js';
import { PACKAGE_VERSION, WEB_ROOT } from './paths.js';

export type AppConfig = Pick<
  Config,
  | 'BODY_LIMIT_BYTES'
  | 'TRUST_PROXY'
  | 'PUBLIC_URL'
  | 'SECURITY_CONTACT'
  | 'DATA_DIR'
  | 'SMTP_URL'
  | 'MAIL_FROM'
  | 'REDIS_URL'
  | 'PORT'
  | 'HOST'
  | 'JWT_ROTATION_DAYS'
  | 'JWT_OVERLAP_DAYS'
  | 'ACCESS_TOKEN_MINUTES'
  | 'SESSION_DAYS'
  | IntegrationConfigKey
>;

/** How often each process re-reads (and, when due, rotates) the JWT signing keys. */
const SIGNING_KEY_CHECK_MS = 10 * 60 * 1000;

export interface AppDeps {
  config: AppConfig;
  db: Database;
  vault: Vault;
  logger: Logger;
  /** Defaults: SMTP when SMTP_URL is set, else the DATA_DIR outbox. */
  mailer?: Mailer;
  /** Defaults to a guard with in-memory counters (Redis with REDIS_URL). */
  guard?: LoginGuard;
  /** A fixed clock for tests of expiry and rotation. */
  now?: () => Date;
  /** TLS settings when the server itself terminates TLS. */
  https?: { cert: Buffer; key: Buffer; minVersion: 'TLSv1.3' };
  webRoot?: string;
  /** The job queue, when this process runs one: "sync now" queues on it at once (else the scheduler's next tick). */
  jobs?: Pick<JobQueue, 'runNow'>;
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
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1500 },
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
  const audit = createAuditService({ db: deps.db });
  const workspaces = createWorkspacesService({ db: deps.db, audit });
  const mailer = deps.mailer ?? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, dataDir: config.DATA_DIR, logger: deps.logger });
  const guard =
    deps.guard ??
    createLoginGuard({
      db: deps.db,
      audit,
      onBackgroundError: (error) => deps.logger.error({ err: error }, 'login guard background failure'),
      ...(config.REDIS_URL === undefined ? {} : { redisUrl: config.REDIS_URL }),
    });
  if (deps.guard === undefined) {
    app.addHook('onClose', () => guard.close());
    // Fail at start-up, not on the first sign-in, when Redis or the stored blocks cannot be read.
    await guard.ready();
  }
  // SECURITY: first of the request hooks: a blocked address costs one cache lookup, nothing more.
  registerIpBlockHook(app, guard);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: 600,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'FST_RATE_LIMITED', message: `retry in ${context.after}` }),
  });
  const webRoot = deps.webRoot ?? WEB_ROOT;
  await registerOpenApi(app, { version: PACKAGE_VERSION, serverUrl: config.PUBLIC_URL ?? '/' });

  const fallbackUrl = `${deps.https === undefined ? 'http' : 'https'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
  const clock = deps.now === undefined ? {} : { now: deps.now };
  const identity: Identity = await createIdentity({
    config,
    db: deps.db,
    vault: deps.vault,
    audit,
    mailer,
    guard,
    workspaces,
    logger: deps.logger,
    fallbackUrl,
    ...clock,
  });
  registerAuthHooks(app);
  // SECURITY: one principal resolver for every route: session cookies, or a Bearer API key (which
  // account routes refuse, and which skips the CSRF check because it carries no ambient credential).
  // Every process re-reads the signing keys and rotates when due (serialised in the database, so
  // one rotation however many processes): another process's new key is picked up within this
  // interval, well inside the 7-day overlap.
  await identity.signingKeys.maintain();
  const keyTimer = setInterval(() => {
    identity.signingKeys.maintain().catch((error: unknown) => deps.logger.error({ err: error }, 'JWT signing key maintenance failed'));
  }, SIGNING_KEY_CHECK_MS);
  keyTimer.unref();
  app.addHook('onClose', async () => clearInterval(keyTimer));
  const access = { db: deps.db, sessions: identity.sessions, apiKeys: createApiKeyAuthenticator({ db: deps.db, ...clock }) };
  registerAuthRoutes(app, { ...identity, ...access, workspaces, audit });
  registerPasskeyRoutes(app, { ...identity, ...access });
  const publicUrl = (config.PUBLIC_URL ?? fallbackUrl).replace(/\/$/, '');
  const invitations = createInvitationsService({ db: deps.db, audit, mailer, publicUrl, ...clock });

  registerApiKeyRoutes(app, { ...access, apiKeyService: createApiKeyService({ db: deps.db, audit, ...clock }) });
  const platformAdmin = createPlatformAdminGuard({ ...access, audit });
  registerAuditRoutes(app, { ...access, audit, platformAdmin });
  const analytics = createAnalyticsService({ db: deps.db, audit });
  registerAnalyticsRoutes(app, { ...access, analytics });
  registerWorkspaceRoutes(app, { ...access, workspaces, invitations, onReportingChanged: (workspaceId) => analytics.rebuild(workspaceId) });
  // A CSV file goes through the sync engine's upserts in one transaction: every row or none.
  const csvWriter: CsvBatchWriter = async (workspaceId, integrationId, batches) => {
    const written = await writeRecordsAtOnce(deps.db, { workspaceId, integrationId, provider: 'csv' }, batches);
    await analytics.rebuild(workspaceId);
    // The file's rows: its daily stats or its deals (accounts and campaigns come along with them).
    return { rows: (written.rows.ad_stats ?? 0) + (written.rows.deals ?? 0) };
  };
  const integrations = createIntegrations({ config, publicUrl, db: deps.db, vault: deps.vault, audit, csvWriter, ...clock });
  registerIntegrationRoutes(app, { ...access, integrations: integrations.service, csv: integrations.csv });
  registerSyncRoutes(app, { ...access, sync: createSyncService({ db: deps.db, audit, jobs: deps.jobs, logger: deps.logger, ...clock }) });
  registerAdminRoutes(app, { platformAdmin, audit, vault: deps.vault, signingKeys: identity.signingKeys });
  registerIpBlockAdminRoutes(app, { guard, audit, requirePlatformAdmin: platformAdmin.preHandler, adminOf: platformAdmin.adminOf });

  registerHealthRoutes(app, { db: deps.db });
  registerSecurityTxt(app, { contact: config.SECURITY_CONTACT, publicUrl: config.PUBLIC_URL });
  registerCspReport(app);
  const webBuilt = await registerWebApp(app, webRoot);

  app.setNotFoundHandler((request, reply) =>
    webBuilt && wantsAppShell(request) ? sendAppShell(reply) : sendError(reply, request, 'request.not_found'),
  );
  return app;
}
