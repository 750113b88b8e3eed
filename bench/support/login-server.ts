// The server side of bench/login.ts, in its own process: the full app on embedded PGlite with
// USERS accounts (one bcrypt-12 hash shared, so seeding is quick), behind a declared proxy so the
// load generator can spread requests over many client addresses (the per-IP limits would
// otherwise refuse a benchmark in seconds). Measures its own event-loop delay on request.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { buildApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/index.js';
import { loadConfig } from '../../src/config.js';
import { LocalKeyRing, createVault } from '../../src/crypto/index.js';
import { openDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { LOGIN_PASSWORD, type LoginServerMessage, type LoginServerRequest } from './login-protocol.js';


async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('started without an IPC channel; run bench/login.ts instead');
  const users = Number(process.env.BENCH_LOGIN_USERS ?? '50');
  // PostgreSQL when the parent made a throwaway database; else embedded PGlite (whose queries run
  // on this process's main thread, so database work shows up as event-loop delay).
  const appUrl = process.env.BENCH_LOGIN_APP_URL;
  const db =
    appUrl !== undefined
      ? await openDatabase({ databaseUrl: appUrl, ownerUrl: process.env.BENCH_LOGIN_OWNER_URL, dataDir: '' })
      : await openDatabase({ dataDir: '', pglite: new PGlite() });
  await db.migrate();
  const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: randomBytes(32) }], { source: 'environment' }) });
  await vault.registerActiveKek();
  const hash = await hashPassword(LOGIN_PASSWORD);
  const emails: string[] = [];
  for (let i = 0; i < users; i += 1) {
    const id = randomUUID();
    const email = `user${i}@bench.test`;
    await db.withUser(id, (tx) => tx.insertInto('users').values({ id, email, name: `User ${i}`, password_hash: hash, email_verified_at: new Date() }).execute());
    emails.push(email);
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-bench-login-'));
  const app = await buildApp({ config: loadConfig({ PORT: '0', DATA_DIR: dataDir, TRUST_PROXY: '127.0.0.1' }), db, vault, logger: createLogger({ level: 'silent' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  let histogram: IntervalHistogram | undefined;
  process.on('message', (message: LoginServerRequest) => {
    if (message.type === 'eld-start') {
      histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
    } else if (message.type === 'eld-stop' && histogram !== undefined) {
      histogram.disable();
      const ms = (ns: number) => ns / 1e6;
      send({ type: 'eld', p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) } satisfies LoginServerMessage);
    }
  });
  process.once('disconnect', () => {
    void app.close().then(() => db.close()).then(() => process.exit(0));
  });
  send({ type: 'ready', port, users: emails } satisfies LoginServerMessage);
}

await main();
