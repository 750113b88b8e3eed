// What the hardening stack costs in throughput: requests/s of one small JSON route on a bare
// Fastify against the same route inside buildApp() (headers, request ids, rate-limit plugin,
// error handling, OpenAPI, static web app). Target: hardened / bare >= 0.7.
// Run alone: npx tsx bench/http.ts (BENCH_HTTP_SECONDS sets each run's length, default 5).
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { runAsScript, type BenchFigure } from './support/report.js';
import { formatRatio, mean } from './support/stats.js';
import { spawnTypeScript } from './support/tsx-loader.js';
import { BENCH_PATH, RATE_LIMITED_PATH, UNREACHABLE_LIMIT, type ServerName, type ServersMessage, type ServersRequest } from './support/http-protocol.js';

const TARGET_RATIO = 0.7;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? '5');
const WARMUP_SECONDS = 1;
const CONNECTIONS = 10;

interface Variant {
  name: string;
  server: ServerName;
  path: string;
}

const BARE: Variant = { name: 'bare Fastify', server: 'bare', path: BENCH_PATH };
const HARDENED: Variant = { name: 'hardened (silent)', server: 'hardened', path: BENCH_PATH };
const HARDENED_INFO: Variant = { name: 'hardened + info logs to /dev/null', server: 'hardenedInfo', path: BENCH_PATH };
const RATE_LIMITED: Variant = { name: 'hardened + rate limiter (high max)', server: 'hardened', path: RATE_LIMITED_PATH };
const VARIANTS = [BARE, HARDENED, HARDENED_INFO, RATE_LIMITED];

interface Run {
  requestsPerSecond: number;
  /** Server CPU time per request, microseconds: the cost even when the client is the bottleneck. */
  cpuMicrosPerRequest: number;
  /** Server CPU time over wall time; near 100% means the server, not the client, was the limit. */
  serverCpuShare: number;
}

class ServerProcess {
  private constructor(
    private readonly child: ReturnType<typeof spawnTypeScript>,
    readonly ports: Record<ServerName, number>,
  ) {}

  static async start(): Promise<ServerProcess> {
    const script = fileURLToPath(new URL('./support/http-servers.ts', import.meta.url));
    const child = spawnTypeScript(script, ['ignore', 'inherit', 'inherit', 'ipc']);
    const ready = new Promise<Record<ServerName, number>>((resolve, reject) => {
      child.on('message', (message: ServersMessage) => {
        if (message.type === 'ready') resolve(message.ports);
      });
      child.once('exit', (code) => reject(new Error(`the server process exited early (code ${String(code)})`)));
    });
    return new ServerProcess(child, await ready);
  }

  async cpuMicros(): Promise<number> {
    const reply = new Promise<number>((resolve) => {
      const onMessage = (message: ServersMessage) => {
        if (message.type !== 'cpu') return;
        this.child.off('message', onMessage);
        resolve(message.micros);
      };
      this.child.on('message', onMessage);
    });
    this.child.send({ type: 'cpu' } satisfies ServersRequest);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    // Disconnecting is the server's cue to close; the kill is for a server that hangs.
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function load(servers: ServerProcess, variant: Variant, seconds: number): Promise<Run> {
  const url = `http://127.0.0.1:${servers.ports[variant.server]}${variant.path}`;
  const cpuBefore = await servers.cpuMicros();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  const cpu = (await servers.cpuMicros()) - cpuBefore;
  // A 429 or an error would measure the wrong thing (a refusal is cheaper than an answer).
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    requestsPerSecond: result.requests.average,
    cpuMicrosPerRequest: cpu / result.requests.total,
    serverCpuShare: cpu / (result.duration * 1e6),
  };
}

/** One request each, before any load: the routes answer alike, and each stack is what it claims. */
async function checkRoutes(servers: ServerProcess): Promise<void> {
  const bodies = new Set<string>();
  for (const variant of VARIANTS) {
    const response = await fetch(`http://127.0.0.1:${servers.ports[variant.server]}${variant.path}`);
    if (response.status !== 200) throw new Error(`${variant.name}: status ${response.status}`);
    bodies.add(await response.text());
    const has = (name: string) => response.headers.has(name);
    const hardened = variant.server !== 'bare';
    if (has('content-security-policy') !== hardened || has('x-request-id') !== hardened) {
      throw new Error(`${variant.name}: security headers ${hardened ? 'missing' : 'present on the bare server'}`);
    }
    if (has('x-ratelimit-limit') !== (variant === RATE_LIMITED)) throw new Error(`${variant.name}: rate limiting is not as configured`);
    console.log(`  ${variant.name.padEnd(36)} ${[...response.headers.keys()].length} response headers`);
  }
  if (bodies.size !== 1) throw new Error('the routes answer with different bodies');
}

const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`;

async function runHttpBench(): Promise<BenchFigure[]> {
  console.log(`http: ${CONNECTIONS} connections x ${SECONDS} s per run on loopback, bare vs hardened alternated twice; target hardened/bare >= ${TARGET_RATIO}`);
  console.log(`  the bench route is exempt from the global rate limiter with config: { rateLimit: false } (600/min per IP would`);
  console.log(`  answer 429 within a second); a copy of it keeps the limiter with max ${UNREACHABLE_LIMIT.toExponential()} to measure what the limiter costs`);
  const servers = await ServerProcess.start();
  try {
    await checkRoutes(servers);
    for (const variant of VARIANTS) await load(servers, variant, WARMUP_SECONDS);
    const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
    // Second round in reverse order, so no variant always runs first or last.
    for (const order of [VARIANTS, [...VARIANTS].reverse()]) {
      for (const variant of order) {
        const run = await load(servers, variant, SECONDS);
        runs.get(variant)?.push(run);
        console.log(
          `  ${variant.name.padEnd(36)} ${perSecond(run.requestsPerSecond).padStart(12)}   server CPU ${run.cpuMicrosPerRequest.toFixed(0).padStart(4)} us/req, ${(run.serverCpuShare * 100).toFixed(0)}% busy`,
        );
      }
    }
    const rate = (v: Variant) => mean((runs.get(v) ?? []).map((r) => r.requestsPerSecond));
    const cpu = (v: Variant) => mean((runs.get(v) ?? []).map((r) => r.cpuMicrosPerRequest));
    const ratio = rate(HARDENED) / rate(BARE);
    const infoRatio = rate(HARDENED_INFO) / rate(BARE);
    const limiterRatio = rate(RATE_LIMITED) / rate(HARDENED);
    console.log(`\n  means of ${runs.get(BARE)?.length ?? 0} runs:`);
    for (const v of VARIANTS) console.log(`    ${v.name.padEnd(36)} ${perSecond(rate(v)).padStart(12)}   ${cpu(v).toFixed(0).padStart(4)} us CPU/req`);
    console.log(`  hardened/bare ${formatRatio(ratio)} (CPU per request bare/hardened ${formatRatio(cpu(BARE) / cpu(HARDENED))}), target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}`);
    console.log(`  with info request logging: ${formatRatio(infoRatio)} of bare; rate limiter on the route: ${formatRatio(limiterRatio)} of hardened`);
    return [
      {
        bench: 'http',
        figure: 'hardened/bare req/s',
        value: `${formatRatio(ratio)} (${perSecond(rate(HARDENED))} vs ${perSecond(rate(BARE))})`,
        target: `>= ${TARGET_RATIO}`,
        verdict: ratio >= TARGET_RATIO ? 'PASS' : 'MISS',
      },
      {
        bench: 'http',
        figure: 'hardened+info logging/bare req/s',
        value: `${formatRatio(infoRatio)} (${perSecond(rate(HARDENED_INFO))})`,
        target: `>= ${TARGET_RATIO} (informational)`,
        verdict: 'INFO',
      },
      {
        bench: 'http',
        figure: 'rate limiter on / exempt req/s',
        value: `${formatRatio(limiterRatio)} (${perSecond(rate(RATE_LIMITED))})`,
        target: 'none',
        verdict: 'INFO',
      },
    ];
  } finally {
    await servers.stop();
  }
}

await runAsScript('http', runHttpBench);
