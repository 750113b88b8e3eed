// Starts the HTTP(S) server: opens the database, applies migrations, builds the app, listens.
// Guarantees: with TLS files it speaks TLS 1.3 only; without them it listens on loopback only
// (or behind a declared proxy; config.ts enforces that); shutdown closes connections cleanly.
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { auditSystemAccess, createAuditService } from './audit/index.js';
import type { Config } from './config.js';
import { createKeyRing, createVault, type Vault } from './crypto/index.js';
import { openDatabase, type Database } from './db/index.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  vault: Vault;
  url: string;
  close(): Promise<void>;
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

/** Opens everything and listens; `prepare` runs between migrations and listening (demo seeding). */
export async function startServer(
  config: Config,
  logger: Logger,
  prepare?: (db: Database) => Promise<void>,
): Promise<RunningServer> {
  const https = await loadTlsFiles(config);
  const db = await openConfiguredDatabase(config, logger);
  try {
    const report = await db.migrate();
    if (report.applied.length > 0) logger.info({ applied: report.applied }, 'migrations applied');
    const vault = await openVault(config, db, (message) => logger.warn(message));
    await prepare?.(db);
    const app = await buildApp({ config, db, logger, ...(https === undefined ? {} : { https }) });
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
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
