// What a blocked address costs against what a sign-in costs: requests per second that the real app
// (buildApp, the guard's onRequest hook first) refuses from a blocked address, against failed
// POST /api/auth/login attempts per second (each one a bcrypt cost-12 verify) from fresh addresses.
// Target: refused/login >= 50. Both go through a declared proxy (TRUST_PROXY=127.0.0.1) with
// X-Forwarded-For, so one loopback client can speak for many addresses.
// Run alone: npx tsx bench/login-guard.ts (BENCH_LOGIN_GUARD_SECONDS sets each run's length, default 5).
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import autocannon from 'autocannon';
import { buildApp } from '../src/app.js';
import { createAuditService } from '../src/audit/index.js';
import { createLoginGuard } from '../src/auth/brute-force.js';
import { hashPassword } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import { LocalKeyRing, createVault } from '../src/crypto/index.js';
import { openDatabase } from '../src/db/index.js';
import { createLogger } from '../src/observability/logger.js';
import { runAsScript, type BenchFigure } from './support/report.js';
import { formatRatio } from './support/stats.js';
import { spawnTypeScript } from './support/tsx-loader.js';

// The options and result fields this bench needs beyond bench/support/autocannon.d.ts.
declare module 'autocannon' {
  interface AutocannonOptions {
    method?: string;
    body?: string;
  }
  interface AutocannonResult {
    statusCodeStats?: Record<string, { count: number }>;
  }
}

const TARGET_RATIO = 50;
const SECONDS = Number(process.env.BENCH_LOGIN_GUARD_SECONDS ?? '5');
const CONNECTIONS = 10;
const BLOCKED_ADDRESS = '198.51.100.66';
const ACCOUNT = 'bench-victim@example.com';
const CSRF = randomBytes(16).toString('hex');
const LOGIN_HEADERS = {
  'content-type': 'application/json',
  cookie: `__Host-csrf=${CSRF}`,
  'x-csrf-token': CSRF,
  'x-requested-with': 'XMLHttpRequest',
};

type ServerMessage = { type: 'ready'; port: number };

// --- server process ------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('started without an IPC channel; run bench/login-guard.ts instead');
  const pglite = new PGlite();
  const db = await openDatabase({ dataDir: '', pglite });
  await db.migrate();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-bench-guard-'));
  const vault = createVault({ db, keys: new LocalKeyRing([{ id: 'bench', material: randomBytes(32) }], { source: 'environment' }) });
  await vault.registerActiveKek();
  // The account the attempts guess at (wrong passwords, so every attempt runs one bcrypt verify).
  await pglite.query('INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)', [
    randomUUID(),
    ACCOUNT,
    'Bench Victim',
    await hashPassword(randomBytes(18).toString('base64url')),
  ]);

  const audit = createAuditService({ db });
  // Blocks after 3 failures from one address, so the bench can block one without 100 bcrypt runs.
  // Each login attempt below comes from its own address, so none of them gets near a block.
  const guard = createLoginGuard({ db, audit, limits: { ipFailures: 3 } });
  for (let i = 0; i < 3; i += 1) {
    await guard.assertCanAttempt(BLOCKED_ADDRESS, `bench${i}@example.com`);
    await guard.recordFailure(BLOCKED_ADDRESS, `bench${i}@example.com`, { requestId: 'bench' });
  }
  if ((await guard.blockedFor(BLOCKED_ADDRESS)) === 0) throw new Error('the bench address did not get blocked');

  const app = await buildApp({
    config: loadConfig({ PORT: '0', DATA_DIR: dataDir, TRUST_PROXY: '127.0.0.1' }),
    db,
    vault,
    logger: createLogger({ level: 'silent' }),
    guard,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.once('disconnect', () => {
    void app
      .close()
      .then(() => guard.close())
      .then(() => db.close())
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(0));
  });
  send({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 } satisfies ServerMessage);
}

// --- load generator --------------------------------------------------------------------------------

/** A fresh address per attempt (198.18.0.0/15, the benchmarking range), so no limit ever applies. */
function* freshAddresses(): Generator<string> {
  for (let n = 1; ; n += 1) yield `198.18.${(n >> 8) & 255}.${n & 255}`;
}

async function blockedRun(port: number, seconds: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/api/auth/login`,
    method: 'POST',
    headers: { ...LOGIN_HEADERS, 'x-forwarded-for': BLOCKED_ADDRESS },
    body: JSON.stringify({ email: ACCOUNT, password: 'guess-from-a-blocked-address' }),
    connections: CONNECTIONS,
    duration: seconds,
  });
  const refused = result.statusCodeStats?.['429']?.count ?? 0;
  // Anything but a refusal would measure something else (a login, or an error).
  if (result.errors > 0 || result.timeouts > 0 || refused !== result.requests.total) {
    throw new Error(`blocked run: ${refused} of ${result.requests.total} refused with 429, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return result.requests.total / result.duration;
}

/** One failed sign-in from `address`: the app looks the account up and runs one bcrypt verify. */
async function failedLogin(port: number, address: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { ...LOGIN_HEADERS, 'x-forwarded-for': address },
    body: JSON.stringify({ email: ACCOUNT, password: `wrong-${randomBytes(6).toString('hex')}` }),
  });
  const body = (await response.json()) as { error?: { code?: string } };
  if (response.status !== 401 || body.error?.code !== 'auth.invalid_credentials') {
    throw new Error(`login: expected 401 auth.invalid_credentials, got ${response.status} ${JSON.stringify(body)}`);
  }
}

/** Failed logins per second, CONNECTIONS at a time, each from a fresh address. */
async function loginRun(port: number, seconds: number, addresses: Generator<string>): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await failedLogin(port, addresses.next().value as string);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return done / ((performance.now() - started) / 1000);
}

/** One request each before any load: the blocked address is refused by the guard, others reach bcrypt. */
async function checkRoutes(port: number, addresses: Generator<string>): Promise<void> {
  const blocked = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { ...LOGIN_HEADERS, 'x-forwarded-for': BLOCKED_ADDRESS },
    body: JSON.stringify({ email: ACCOUNT, password: 'x' }),
  });
  const blockedBody = (await blocked.json()) as { error?: { code?: string } };
  if (blocked.status !== 429 || blockedBody.error?.code !== 'auth.ip_blocked' || blocked.headers.get('retry-after') === null) {
    throw new Error(`the blocked address was answered ${blocked.status} ${JSON.stringify(blockedBody)}`);
  }
  const started = performance.now();
  await failedLogin(port, addresses.next().value as string);
  console.log(`  blocked address: 429 auth.ip_blocked, Retry-After ${blocked.headers.get('retry-after') ?? '?'} s; one failed login alone: ${(performance.now() - started).toFixed(0)} ms`);
}

const perSecond = (n: number) => `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)} req/s`;

async function runLoginGuardBench(): Promise<BenchFigure[]> {
  console.log(`login-guard: ${CONNECTIONS} connections x ${SECONDS} s per run on loopback; blocked-address refusals vs failed logins (bcrypt cost 12), alternated twice`);
  console.log(`  the server is a separate process: buildApp() with TRUST_PROXY=127.0.0.1, the guard's hook first; target refused/login >= ${TARGET_RATIO}`);
  const child = spawnTypeScript(fileURLToPath(import.meta.url), ['ignore', 'inherit', 'inherit', 'ipc'], { ...process.env, LOGIN_GUARD_BENCH_ROLE: 'server' });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message.port);
    });
    child.once('exit', (code) => reject(new Error(`the server process exited early (code ${String(code)})`)));
  });
  try {
    const addresses = freshAddresses();
    await checkRoutes(port, addresses);
    await blockedRun(port, 1);
    await loginRun(port, 1, addresses);
    const blocked: number[] = [];
    const logins: number[] = [];
    for (let round = 0; round < 2; round += 1) {
      const b = await blockedRun(port, SECONDS);
      const l = await loginRun(port, SECONDS, addresses);
      blocked.push(b);
      logins.push(l);
      console.log(`  round ${round + 1}: blocked address refused ${perSecond(b).padStart(14)}   failed logins ${perSecond(l).padStart(10)}`);
    }
    const blockedRate = blocked.reduce((a, b) => a + b, 0) / blocked.length;
    const loginRate = logins.reduce((a, b) => a + b, 0) / logins.length;
    const ratio = blockedRate / loginRate;
    const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'MISS';
    console.log(`\n  refused from a blocked address / failed logins: ${formatRatio(ratio)}x (${perSecond(blockedRate)} vs ${perSecond(loginRate)}), target >= ${TARGET_RATIO}: ${verdict}`);
    return [
      {
        bench: 'login-guard',
        figure: 'blocked-address refusals / failed logins (req/s)',
        value: `${ratio.toFixed(0)}x (${perSecond(blockedRate)} vs ${perSecond(loginRate)})`,
        target: `>= ${TARGET_RATIO}x`,
        verdict,
      },
    ];
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

if (process.env.LOGIN_GUARD_BENCH_ROLE === 'server') await serve();
else await runAsScript('login-guard', runLoginGuardBench);
