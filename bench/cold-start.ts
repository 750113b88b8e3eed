// Cold start of `npm start` (node dist/main.js demo) on an existing data dir: from spawn until
// the "is running at" line, and until /healthz answers. Target: median < 3 s. Needs the build
// (npm run build). Run alone: npx tsx bench/cold-start.ts (BENCH_COLD_RUNS sets N, default 5).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchSetupError, runAsScript, type BenchFigure } from './support/report.js';
import { formatMs, median } from './support/stats.js';

const TARGET_MS = 3_000;
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? '5');
/** Starts of `node dist/main.js demo` without npm, to show what npm itself adds. */
const DIRECT_RUNS = 3;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.join(ROOT, 'dist', 'main.js');
const READY_LINE = /is running at (\S+)/;

/** Process groups still running, so an interrupted benchmark leaves no server behind. */
const liveGroups = new Set<number>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** The operator's environment minus whatever would switch mode (a server database, TLS, production). */
function demoEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  for (const name of ['DATABASE_URL', 'DATABASE_OWNER_URL', 'DATABASE_URL_FILE', 'DATABASE_OWNER_URL_FILE', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'TRUST_PROXY', 'PUBLIC_URL', 'NODE_ENV', 'DEMO_PASSWORD', 'DEMO_PASSWORD_FILE', 'LOG_LEVEL']) {
    delete env[name];
  }
  return env;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the whole process group we started (npm, its shell, node) and waits until it is gone. */
async function stopGroup(child: ChildProcess): Promise<number> {
  const pgid = child.pid;
  if (pgid === undefined) return 0;
  const started = performance.now();
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGTERM');
  // A server still flushing PGlite must be gone before the next start opens the same data dir.
  while (groupAlive(pgid) && performance.now() - started < 15_000) await new Promise((r) => setTimeout(r, 25));
  if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  liveGroups.delete(pgid);
  return performance.now() - started;
}

interface Start {
  readyMs: number;
  healthyMs: number;
  stopMs: number;
}

async function startOnce(command: string, args: string[], dataDir: string, timeoutMs: number): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  // Its own process group: npm runs the server through a shell, and all of them must stop.
  const child = spawn(command, args, { cwd: ROOT, env: demoEnv(dataDir, port), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) liveGroups.add(child.pid);
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(() => reject(new Error(`no "is running at" line within ${timeoutMs} ms`)), timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        output += chunk.toString('utf8');
        const match = READY_LINE.exec(pending);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with code ${String(code)} before it was ready`));
      });
    });
    const readyMs = performance.now() - started;
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (performance.now() - started > timeoutMs) throw new Error('/healthz did not answer');
      await new Promise((r) => setTimeout(r, 10));
    }
    const healthyMs = performance.now() - started;
    return { readyMs, healthyMs, stopMs: await stopGroup(child) };
  } catch (error) {
    await stopGroup(child);
    const tail = output.split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${args.join(' ')}: ${error instanceof Error ? error.message : String(error)}\n--- output ---\n${tail}`);
  }
}

async function series(label: string, command: string, args: string[], dataDir: string, runs: number): Promise<Start[]> {
  const starts: Start[] = [];
  for (let i = 0; i < runs; i++) {
    const start = await startOnce(command, args, dataDir, 30_000);
    starts.push(start);
    console.log(`  ${label} #${i + 1}: "is running at" after ${formatMs(start.readyMs)}, /healthz after ${formatMs(start.healthyMs)} (stopped in ${formatMs(start.stopMs)})`);
  }
  return starts;
}

async function runColdStartBench(): Promise<BenchFigure[]> {
  if (!existsSync(MAIN)) throw new BenchSetupError(`${path.relative(ROOT, MAIN)} is missing: run \`npm run build\` first`);
  console.log(`cold-start: npm start (node dist/main.js demo) on an existing data dir, ${RUNS} starts; target median < ${TARGET_MS / 1000} s`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'throughline-cold-start-'));
  const interrupt = () => {
    for (const pgid of liveGroups) if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const first = await startOnce('npm', ['start'], dataDir, 120_000);
    console.log(`  first start (creates the data dir, migrates, seeds the demo): ready after ${formatMs(first.readyMs)}`);
    const npmStarts = await series('npm start', 'npm', ['start'], dataDir, RUNS);
    const directStarts = await series('node dist/main.js demo', process.execPath, [MAIN, 'demo'], dataDir, DIRECT_RUNS);

    const ready = npmStarts.map((s) => s.readyMs);
    const healthy = npmStarts.map((s) => s.healthyMs);
    const [medianMs, maxMs] = [median(ready), Math.max(...ready)];
    const directMs = median(directStarts.map((s) => s.readyMs));
    const verdict = medianMs < TARGET_MS ? 'PASS' : 'MISS';
    console.log(`  npm start: median ${formatMs(medianMs)}, max ${formatMs(maxMs)} to "is running at"; median ${formatMs(median(healthy))} to /healthz; target < ${TARGET_MS / 1000} s: ${verdict}`);
    console.log(`  without npm (node dist/main.js demo): median ${formatMs(directMs)}; npm adds ~${formatMs(medianMs - directMs)}`);
    return [
      { bench: 'cold-start', figure: 'npm start, existing data dir (median)', value: `${formatMs(medianMs)} (max ${formatMs(maxMs)})`, target: `< ${TARGET_MS / 1000} s`, verdict },
      { bench: 'cold-start', figure: 'node dist/main.js demo (median)', value: formatMs(directMs), target: 'none', verdict: 'INFO' },
      { bench: 'cold-start', figure: 'first start, fresh data dir', value: formatMs(first.readyMs), target: 'none', verdict: 'INFO' },
    ];
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await rm(dataDir, { recursive: true, force: true });
  }
}

await runAsScript('cold-start', runColdStartBench);
