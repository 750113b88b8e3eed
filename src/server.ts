// Starts the HTTP(S) server: opens the database, applies migrations, builds the app, listens.
// Guarantees: with TLS files it speaks TLS 1.3 only; without them it listens on loopback only
// (or behind a declared proxy; config.ts enforces that); shutdown closes connections cleanly.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { auditRetentionJob, auditSystemAccess, createAuditService } from './audit/index.js';
import type { Config } from './config.js';
import { createKeyRing, createVault, keyMaintenanceJob, type Vault } from './crypto/index.js';
import { openDatabase, type Database } from './db/index.js';
import { demoSyncProviders } from './demo/provider/index.js';
import { createIntegrations } from './integrations/index.js';
import { createJobQueue, startWorker, type JobDefinition, type JobLogger, type JobQueue } from './jobs/index.js';
import { rebuildRollups } from './analytics/index.js';
import { combineProviders, createSyncEngine, createSyncJobs, registryProviders, type SyncJobs } from './sync/index.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  vault: Vault;
  url: string;
  /** The in-process job worker (WORKER_IN_PROCESS), if any. */
  jobs: RunningJobs | undefined;
  close(): Promise<void>;
}

export interface RunningJobs {
  queue: JobQueue;
  /** Lets a running job stop between two committed steps, then closes the queue. */
  stop(): Promise<void>;
}

export async function loadTlsFiles(config: Pick<Config, 'TLS_CERT_FILE' | 'TLS_KEY_FILE'>) {
  if (config.TLS_CERT_FILE === undefined || config.TLS_KEY_FILE === undefined) return undefined;
  const [cert, key] = await Promise.all([readFile(config.TLS_CERT_FILE), readFile(config.TLS_KEY_FILE)]);
  // SECURITY: TLS 1.3 only; a TLS 1.2 (or older) client fails the handshake.
  return { cert, key, minVersion: 'TLSv1.3' as const };
}

export async function openConfiguredDatabase(config: Config, logger?: Logger): Promise<Database> {
  // Bound once the database is open: every cross-tenant access is logged and audited.
  const audited: { access?: (reason: string) => void } = {};
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    ownerUrl: config.DATABASE_OWNER_URL,
    dataDir: config.DATA_DIR,
    onSystemAccess: (reason) => {
      logger?.warn({ reason }, 'cross-tenant system access');
      audited.access?.(reason);
    },
    onPoolError: (error) => logger?.warn({ err: error }, 'database connection dropped by the server'),
  });
  audited.access = auditSystemAccess(createAuditService({ db }), (error) => logger?.error({ err: error }, 'could not audit a system access'));
  return db;
}

/** The key ring (fails fast in production without ENCRYPTION_KEYS) and the vault over db. */
export async function openVault(config: Config, db: Database, warn: (message: string) => void): Promise<Vault> {
  const { ring, warning } = await createKeyRing(config);
  if (warning !== undefined) warn(warning);
  const vault = createVault({ db, keys: ring, rotationDays: config.KEK_ROTATION_DAYS });
  await vault.registerActiveKek();
  return vault;
}

/** The platform's scheduled jobs: key maintenance (rotation, re-wrap, re-encryption) and audit retention. */
export function platformJobs(config: Pick<Config, 'AUDIT_RETENTION_MONTHS'>, db: Database, vault: Vault): JobDefinition[] {
  const audit = createAuditService({ db });
  return [keyMaintenanceJob({ vault, audit }), auditRetentionJob({ db, audit, retentionMonths: config.AUDIT_RETENTION_MONTHS })];
}

/**
 * The sync jobs (sync.integration, sync.schedule): the engine over every provider with a
 * connector (the demo's and the configured real ones), with src/integrations' token refresher.
 */
export function syncJobs(config: Config, db: Database, vault: Vault, logger: JobLogger): SyncJobs {
  const audit = createAuditService({ db });
  // The OAuth redirect URI goes with amoCRM's refresh requests: the same one the app registers.
  const publicUrl = (config.PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`).replace(/\/$/, '');
  const integrations = createIntegrations({ config, publicUrl, db, vault, audit });
  const engine = createSyncEngine({
    db,
    providers: combineProviders(demoSyncProviders(), registryProviders(integrations.registry)),
    refresher: integrations.tokenRefresher,
    audit,
    logger,
  });
  return createSyncJobs({ engine, db, logger, onSynced: (workspaceId) => rebuildRollups(db, workspaceId) });
}

/** Starts the job queue on db (schema, queues, schedules) and a worker running platformJobs() and the sync jobs. */
export async function startJobs(config: Config, db: Database, vault: Vault, logger: JobLogger): Promise<RunningJobs> {
  const sync = syncJobs(config, db, vault, logger);
  const queue = await createJobQueue({ db, definitions: [...platformJobs(config, db, vault), ...sync.definitions], logger });
  sync.useQueue(queue);
  try {
    const worker = await startWorker(queue, { logger });
    return {
      queue,
      async stop() {
        await worker.stop();
        await queue.close();
      },
    };
  } catch (error) {
    await queue.close();
    throw error;
  }
}

/** Opens everything and listens; `prepare` runs between migrations and listening (demo seeding). */
export async function startServer(
  config: Config,
  logger: Logger,
  prepare?: (db: Database) => Promise<void>,
): Promise<RunningServer> {
  const https = await loadTlsFiles(config);
  const db = await openConfiguredDatabase(config, logger);
  let jobs: RunningJobs | undefined;
  try {
    const report = await db.migrate();
    if (report.applied.length > 0) logger.info({ applied: report.applied }, 'migrations applied');
    const vault = await openVault(config, db, (message) => logger.warn(message));
    await prepare?.(db);
    if (config.WORKER_IN_PROCESS) jobs = await startJobs(config, db, vault, logger.child({ module: 'jobs' }));
    else if (db.kind === 'embedded') logger.warn('WORKER_IN_PROCESS is false on the embedded database: scheduled key rotation, audit retention and syncs will not run');
    const app = await buildApp({ config, db, vault, logger, ...(https === undefined ? {} : { https }), ...(jobs === undefined ? {} : { jobs: jobs.queue }) });
    await app.listen({ port: config.PORT, host: config.HOST });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
    const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    const url = `${https === undefined ? 'http' : 'https'}://${host}:${port}`;
    return {
      app,
      db,
      vault,
      url,
      jobs,
      async close() {
        await app.close();
        await jobs?.stop();
        await db.close();
      },
    };
  } catch (error) {
    await jobs?.stop();
    await db.close();
    throw error;
  }
}
