// Builds the real app on a private test database, optionally capturing log lines.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  /** Every log line written so far (only when built with captureLogs). */
  logs: string[];
  close(): Promise<void>;
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
  const app = await buildApp({ config: loadConfig({ PORT: '0', ...options.env }), db: database.db, logger, ...options.deps });
  options.beforeReady?.(app);
  await app.ready();
  return {
    app,
    database,
    logs,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
