// `npm run bench`: runs every benchmark in its own process, one after another (each one alone
// on the machine; a crash or a leak in one cannot skew the next), then prints one table.
// Exit code: 1 if a benchmark failed to run; 2 if BENCH_STRICT=1 and a target was missed.
import { fileURLToPath } from 'node:url';
import type { BenchFigure, BenchResultMessage } from './support/report.js';
import { spawnTypeScript } from './support/tsx-loader.js';

const BENCHES = ['rls.ts', 'audit.ts', 'http.ts', 'login-guard.ts', 'login.ts', 'cold-start.ts', 'vault.ts', 'reencrypt.ts', 'ingest.ts', 'report.ts'];
/** Each aims for under a minute; this only catches a hang. */
const TIMEOUT_MS = 180_000;
/** Seeding and re-encrypting 100,000 values, or rebuilding reports over a million deals, takes minutes on a small machine. */
const LONGER_TIMEOUT_MS: Readonly<Record<string, number>> = { 'reencrypt.ts': 900_000, 'report.ts': 3_600_000 };

async function runBench(file: string): Promise<BenchFigure[]> {
  const name = file.replace(/\.ts$/, '');
  console.log(`\n=== ${name} ${'='.repeat(60 - name.length)}\n`);
  const child = spawnTypeScript(fileURLToPath(new URL(`./${file}`, import.meta.url)), ['ignore', 'inherit', 'inherit', 'ipc']);
  const figures: BenchFigure[] = [];
  child.on('message', (message: BenchResultMessage) => {
    if (message.type === 'bench-figures') figures.push(...message.figures);
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), LONGER_TIMEOUT_MS[file] ?? TIMEOUT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  if (figures.length === 0 || code === 1 || signal !== null) {
    const reason = signal !== null ? `killed by ${signal}` : `exit code ${String(code)}`;
    figures.push({ bench: name, figure: 'did not complete', value: reason, target: '-', verdict: 'ERROR' });
  }
  return figures;
}

function table(figures: BenchFigure[]): string {
  const header = ['bench', 'figure', 'value', 'target', 'result'];
  const rows = figures.map((f) => [f.bench, f.figure, f.value, f.target, f.verdict]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const started = performance.now();
const figures: BenchFigure[] = [];
for (const file of BENCHES) figures.push(...(await runBench(file)));
console.log(`\n=== summary (${((performance.now() - started) / 1000).toFixed(0)} s; ratios are against a baseline measured in the same run) ===\n`);
console.log(table(figures));
if (figures.some((f) => f.verdict === 'ERROR')) process.exitCode = 1;
else if (process.env.BENCH_STRICT === '1' && figures.some((f) => f.verdict === 'MISS')) process.exitCode = 2;
