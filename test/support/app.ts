// Builds the real app on a private test database, optionally capturing log lines.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { LocalKeyRing, createVault, type Vault } from '../../src/crypto/index.js';
import type { Database } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  vault: Vault;
  /** DATA_DIR of this app (a fresh temporary directory): the mail outbox is under it. */
  dataDir: string;
  outboxDir: string;
  /** Every log line written so far (only when built with captureLogs). */
  logs: string[];
  close(): Promise<void>;
}

/** A vault over `db` with one random in-memory KEK, as a deployment with ENCRYPTION_KEYS has. */
export async function createTestVault(db: Database): Promise<Vault> {
  const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'test1', material: randomBytes(32) }], { source: 'environment' }) });
  await vault.registerActiveKek();
  return vault;
}

export async function createTestApp(
  options: { env?: Record<string, string>; captureLogs?: boolean; beforeReady?: (app: FastifyInstance) => void; deps?: Partial<AppDeps> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: options.captureLogs ? 'info' : 'silent', destination });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-app-'));
  const vault = options.deps?.vault ?? (await createTestVault(options.deps?.db ?? database.db));
  const app = await buildApp({ config: loadConfig({ PORT: '0', DATA_DIR: dataDir, ...options.env }), db: database.db, vault, logger, ...options.deps });
  options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    database,
    vault,
    dataDir,
    outboxDir: path.join(dataDir, 'outbox'),
    logs,
    async close() {
      await app.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
