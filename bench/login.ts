// What sign-in costs the rest of the server: 50 concurrent logins (bcrypt cost 12 on libuv's
// thread pool, a session, an audit entry each) against an authenticated read route (GET /api/me).
// Targets: the server's event-loop delay p99 stays < 50 ms while logins run; /api/me keeps
// >= 0.8 of its idle throughput. Both phases in one run, idle first and again last.
// Run alone: npx tsx bench/login.ts (BENCH_LOGIN_SECONDS, default 8).
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { LOGIN_PASSWORD, type LoginServerMessage, type LoginServerRequest } from './support/login-protocol.js';
import { createThrowawayDatabase, findAdminUrl } from './support/postgres-server.js';
import { runAsScript, type BenchFigure } from './support/report.js';
import { formatMs, formatRatio, mean } from './support/stats.js';
import { spawnTypeScript } from './support/tsx-loader.js';

const SECONDS = Number(process.env.BENCH_LOGIN_SECONDS ?? '8');
const LOGINS = 50;
const READERS = 10;
const CSRF = 'b'.repeat(43);
const csrfHeaders = { cookie: `__Host-csrf=${CSRF}`, 'x-csrf-token': CSRF, 'x-requested-with': 'XMLHttpRequest', 'content-type': 'application/json' };

let addressCounter = 0;
/** A new client address per request (TEST-NET-2/3 and 10/8), so per-IP limits never engage. */
function nextAddress(): string {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

async function login(port: number, email: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { ...csrfHeaders, 'x-forwarded-for': nextAddress() },
    body: JSON.stringify({ email, password: LOGIN_PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  const access = response.headers.getSetCookie().find((c) => c.startsWith('__Host-tl_access='));
  if (access === undefined) throw new Error('no access cookie');
  return access.split(';')[0] as string;
}

function readLoad(port: number, cookie: string, seconds: number) {
  return autocannon({
    url: `http://127.0.0.1:${port}/api/me`,
    connections: READERS,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: { ...req.headers, cookie, 'x-forwarded-for': nextAddress() } }) }],
  });
}

function loginLoad(port: number, emails: string[], seconds: number) {
  let i = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}/api/auth/login`,
    connections: LOGINS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          i += 1;
          return { ...req, headers: { ...req.headers, ...csrfHeaders, 'x-forwarded-for': nextAddress() }, body: JSON.stringify({ email: emails[i % emails.length], password: LOGIN_PASSWORD }) };
        },
      },
    ],
  });
}

async function bench(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const adminUrl = await findAdminUrl();
  if (adminUrl === undefined) {
    console.log('  no PostgreSQL server answers (BENCH_DATABASE_URL or 127.0.0.1:5432): the targets are for PostgreSQL; embedded only');
  } else {
    const database = await createThrowawayDatabase(adminUrl);
    try {
      console.log('PostgreSQL:');
      figures.push(...(await run('PostgreSQL', { BENCH_LOGIN_APP_URL: database.appUrl, BENCH_LOGIN_OWNER_URL: database.ownerUrl }, true)));
    } finally {
      await database.drop();
    }
  }
  console.log('embedded PGlite (queries run on the server\'s main thread):');
  figures.push(...(await run('PGlite', {}, adminUrl === undefined)));
  return figures;
}

async function run(label: string, env: Record<string, string>, judged: boolean): Promise<BenchFigure[]> {
  const child = spawnTypeScript(fileURLToPath(new URL('./support/login-server.ts', import.meta.url)), ['ignore', 'inherit', 'inherit', 'ipc'], { ...process.env, ...env });
  const messages: LoginServerMessage[] = [];
  const waiters: ((m: LoginServerMessage) => void)[] = [];
  child.on('message', (m: LoginServerMessage) => {
    const waiter = waiters.shift();
    if (waiter === undefined) messages.push(m);
    else waiter(m);
  });
  const next = () => new Promise<LoginServerMessage>((resolve) => (messages.length > 0 ? resolve(messages.shift() as LoginServerMessage) : waiters.push(resolve)));
  const request = (m: LoginServerRequest) => child.send(m);
  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('unexpected message');
    const { port, users } = ready;
    const cookie = await login(port, users[0] as string);
    await readLoad(port, cookie, 1);

    const idle1 = await readLoad(port, cookie, SECONDS);
    request({ type: 'eld-start' });
    const [reads, logins] = await Promise.all([readLoad(port, cookie, SECONDS), loginLoad(port, users, SECONDS)]);
    request({ type: 'eld-stop' });
    const eld = await next();
    if (eld.type !== 'eld') throw new Error('unexpected message');
    const idle2 = await readLoad(port, cookie, SECONDS);

    for (const [name, r] of [['idle', idle1], ['with logins', reads], ['idle again', idle2], ['logins', logins]] as const) {
      console.log(`  ${name.padEnd(12)} ${Math.round(r.requests.average).toString().padStart(6)} req/s  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`);
    }
    if (reads.non2xx > 0 || logins.non2xx > 0 || idle1.non2xx > 0) throw new Error('some requests were refused; the figures would measure refusals');
    const idle = mean([idle1.requests.average, idle2.requests.average]);
    const ratio = reads.requests.average / idle;
    console.log(`  event-loop delay during logins: p50 ${formatMs(eld.p50)}, p99 ${formatMs(eld.p99)}, max ${formatMs(eld.max)}`);
    const verdict = (ok: boolean) => (judged ? (ok ? 'PASS' : 'MISS') : 'INFO');
    return [
      { bench: 'login', figure: `${label}: logins/s (50 concurrent, bcrypt 12)`, value: logins.requests.average.toFixed(1), target: '-', verdict: 'INFO' },
      { bench: 'login', figure: `${label}: event-loop delay p99 during logins`, value: formatMs(eld.p99), target: '< 50 ms', verdict: verdict(eld.p99 < 50) },
      { bench: 'login', figure: `${label}: GET /api/me throughput with logins / idle`, value: formatRatio(ratio), target: '>= 0.8', verdict: verdict(ratio >= 0.8) },
    ];
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

await runAsScript('login', bench);
