// The server side of bench/http.ts, run in its own process so the load generator does not share
// its event loop: one bench route served by a bare Fastify and by the full buildApp() stack
// (silent, and with info request logging to /dev/null), each on a loopback port.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { LocalKeyRing, createVault } from '../../src/crypto/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { BENCH_PATH, RATE_LIMITED_PATH, UNREACHABLE_LIMIT, type ServerName, type ServersMessage, type ServersRequest } from './http-protocol.js';

const benchReply = () => ({ status: 'ok', service: 'throughline', items: [1, 2, 3] });

async function hardened(db: Database, level: 'silent' | 'info'): Promise<FastifyInstance> {
  // Info lines go where production's go (an async sonic-boom stream), only to /dev/null.
  const logger = level === 'silent' ? createLogger({ level }) : createLogger({ level, destination: pino.destination({ dest: '/dev/null', sync: false }) });
  // A clean environment, as the tests build it: the operator's NODE_ENV or PUBLIC_URL must not
  // change what is measured.
  const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: randomBytes(32) }], { source: 'environment' }) });
  await vault.registerActiveKek();
  const app = await buildApp({ config: loadConfig({ PORT: '0', DATA_DIR: path.join(tmpdir(), 'throughline-bench-http') }), db, vault, logger });
  // The global limiter (600/min per IP) would answer 429 within a second of load; exempting the
  // route measures every other layer. The second route keeps the limiter, out of reach.
  app.get(BENCH_PATH, { config: { rateLimit: false } }, async () => benchReply());
  app.get(RATE_LIMITED_PATH, { config: { rateLimit: { max: UNREACHABLE_LIMIT, timeWindow: '1 minute' } } }, async () => benchReply());
  return app;
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('started without an IPC channel; run bench/http.ts instead');
  const pglite = new PGlite();
  const db = await openDatabase({ dataDir: '', pglite });
  await db.migrate();

  const bare = Fastify({ logger: { level: 'silent' } });
  bare.get(BENCH_PATH, { config: { rateLimit: false } }, async () => benchReply());
  const apps: Record<ServerName, FastifyInstance> = { bare, hardened: await hardened(db, 'silent'), hardenedInfo: await hardened(db, 'info') };

  const ports = {} as Record<ServerName, number>;
  for (const [name, app] of Object.entries(apps) as [ServerName, FastifyInstance][]) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    ports[name] = typeof address === 'object' && address !== null ? address.port : 0;
  }
  process.on('message', (message: ServersRequest) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      send({ type: 'cpu', micros: usage.user + usage.system } satisfies ServersMessage);
    }
  });
  process.once('disconnect', () => {
    void Promise.all(Object.values(apps).map((app) => app.close()))
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
  send({ type: 'ready', ports } satisfies ServersMessage);
}

await main();
